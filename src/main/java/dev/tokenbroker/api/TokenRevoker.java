package dev.tokenbroker.api;

import dev.tokenbroker.broker.TokenService;
import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.Rejection;
import dev.tokenbroker.token.TokenDigest;
import dev.tokenbroker.token.TokenException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/**
 * Decides one revocation (RFC 7009, {@code POST /oauth2/revoke}): proves the caller as {@link TokenIssuer} does, and
 * drops the named credential's cached token that is the revoked one, if the caller's grant covers its scope set
 * ({@link TokenService#revoke}). The token is hashed at once and known from then on only by its digest. A token that
 * is not cached, or not the caller's to drop, changes nothing and is no error (RFC 7009 section 2.2). Audited once,
 * as an {@code event=token_revocation} line on {@code tokenbroker.audit}.
 */
@ApplicationScoped
public class TokenRevoker {

    private final CallerAuthenticator authenticator;
    private final CredentialRegistry credentials;
    private final TokenService tokens;
    private final AuditLog auditLog;

    TokenRevoker(CallerAuthenticator authenticator, CredentialRegistry credentials, TokenService tokens,
            AuditLog auditLog) {
        this.auditLog = auditLog;
        this.authenticator = authenticator;
        this.credentials = credentials;
        this.tokens = tokens;
    }

    /**
     * Revokes {@code accessToken} of the credential {@code credentialName} for the caller that {@code authorization}
     * proves; fails with a {@link TokenException} when the caller is not proven or the mint budget is spent (then the
     * token is kept). Runs on a worker thread. {@code http}: the request it came by, whose peer a refusal's audit line
     * names (null: none).
     */
    public Uni<Void> revoke(List<String> authorization, String credentialName, String accessToken, HttpServerRequest http) {
        String digest = TokenDigest.of(accessToken);
        return Uni.createFrom().<Void>item(() -> {
            decide(authorization, credentialName, digest, http);
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private void decide(List<String> authorization, String name, String digest, HttpServerRequest http) {
        TokenAudit audit = new TokenAudit("token_revocation");
        audit.reported(digest);
        try {
            AuthenticatedCaller caller = authenticator.authenticate(authorization);
            audit.caller(caller);
            Optional<Credential> credential = Credential.NAME.matcher(name).matches() && caller.caller().hasGrantFor(name)
                    ? credentials.get(name) : Optional.empty();
            if (credential.isPresent()) {
                audit.credential(name);
                audit.loaded();
            }
            Optional<TokenService.Report> report = credential.flatMap(c ->
                    tokens.revoke(c, digest, scopes -> caller.caller().permits(name, scopes)));
            audit.succeeded(200);
            if (report.isEmpty()) {
                audit.notPermitted();
            } else {
                audit.rejected(report.get().rejection(), report.get().reported().map(tokens::fingerprint).orElse(null));
            }
        } catch (TokenException e) {
            audit.failed(e);
            audit.peer(http);
            if (e.refusal() == Refusal.MINT_BUDGET_EXHAUSTED) {
                audit.rejected(Rejection.BUDGET_EXHAUSTED, null);
            }
            throw e;
        } finally {
            audit.write(auditLog);
        }
    }
}
