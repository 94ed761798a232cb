package dev.tokenbroker.token;

import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.problem.ProblemCode;
import dev.tokenbroker.problem.ProblemException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * {@code DELETE /tokens/{credential}}: drops every cached token of a credential at once, on every replica,
 * for a leaked secret. Only callers whose {@code purge} list names the credential (or {@code "*"}) may.
 */
@Path("/tokens/{credential}")
public class PurgeResource {

    private final CallerAuthenticator authenticator;
    private final TokenService tokens;

    PurgeResource(CallerAuthenticator authenticator, TokenService tokens) {
        this.authenticator = authenticator;
        this.tokens = tokens;
    }

    @DELETE
    public Response purge(@Context HttpHeaders headers, @PathParam("credential") String credential) {
        AuthenticatedCaller caller = authenticator.authenticate(headers.getRequestHeader(HttpHeaders.AUTHORIZATION));
        if (!Credential.NAME.matcher(credential).matches()) {
            throw ProblemException.invalidRequest("Not a valid credential name.");
        }
        if (!caller.caller().mayPurge(credential)) {
            throw new ProblemException(ProblemCode.FORBIDDEN, "No purge grant for this credential.");
        }
        tokens.purge(credential);
        Log.warnf("event=tokens_purged credential=%s caller=%s", credential, caller.name());
        return Response.noContent().header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }
}
