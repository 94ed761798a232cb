package dev.tokenbroker.api;

import dev.tokenbroker.broker.TokenService;
import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code DELETE /tokens/{credential}}: drops every cached token of a credential at once, on every replica,
 * for a leaked secret. Only callers whose {@code purge} list names the credential (or {@code "*"}) may. When Redis
 * cannot be reached the purge is not complete (Redis and the other replicas keep their copies): 503, try again.
 * Every answer, allowed or not, is one {@code event=token_purge} line on {@code tokenbroker.audit} ({@link TokenAudit}).
 */
@Path("/tokens/{credential}")
public class PurgeResource {

    private final CallerAuthenticator authenticator;
    private final TokenService tokens;
    private final Duration retryAfter;
    private final AuditLog auditLog;

    PurgeResource(CallerAuthenticator authenticator, TokenService tokens, TokenBrokerConfig config, AuditLog auditLog) {
        this.auditLog = auditLog;
        this.authenticator = authenticator;
        this.tokens = tokens;
        this.retryAfter = config.upstream().retryAfter();
    }

    @DELETE
    public Response purge(@Context HttpHeaders headers, @PathParam("credential") String credential, HttpServerRequest http) {
        TokenAudit audit = new TokenAudit("token_purge");
        try {
            Response response = purge(headers, credential, audit);
            audit.succeeded(response.getStatus());
            return response;
        } catch (TokenException e) {
            audit.failed(e);
            audit.peer(http);
            throw e;
        } finally {
            audit.write(auditLog);
        }
    }

    private Response purge(HttpHeaders headers, String credential, TokenAudit audit) {
        AuthenticatedCaller caller = authenticator.authenticate(headers.getRequestHeader(HttpHeaders.AUTHORIZATION));
        audit.caller(caller);
        if (!Credential.NAME.matcher(credential).matches()) {
            throw TokenException.invalidRequest("Not a valid credential name.");
        }
        audit.credential(credential);
        if (!caller.caller().mayPurge(credential)) {
            throw new TokenException(Refusal.FORBIDDEN, "No purge grant for this credential.");
        }
        if (!tokens.purge(credential)) {
            Log.errorf("event=tokens_purge_incomplete credential=%s caller=%s reason=redis_unavailable "
                    + "consequence=redis_and_other_replicas_keep_tokens action=retry", credential, caller.name());
            throw new TokenException(Refusal.CACHE_UNAVAILABLE, "Dropped on this replica only: Redis could not "
                    + "be reached, so it and the other replicas still hold this credential's tokens. Try again.",
                    Optional.of(retryAfter));
        }
        Log.warnf("event=tokens_purged credential=%s caller=%s", credential, caller.name());
        return Response.noContent().header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }
}
