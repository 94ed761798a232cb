package dev.tokenbroker.oauth;

import dev.tokenbroker.caller.GrantRefused;
import dev.tokenbroker.token.TokenException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;

/**
 * The answers of the OAuth surfaces ({@code /oauth2/token}, the IMS paths): a token, never cached by anyone on the
 * way, and the one mapping of failures to RFC 6749 section 5.2 answers for the OAuth surfaces ({@code /oauth2/token}, the IMS
 * paths), so that an OAuth client library reports the right fault (docs/api.md, OAuth 2.0 errors): {@code invalid_client}
 * (401) only when client authentication failed (with a subject token, token exchange, {@code invalid_grant});
 * {@code unauthorized_client} (400) for a client without a grant for the credential, or a credential that does not
 * exist, alike, so that names cannot be probed (token exchange: {@code invalid_target}, RFC 8693); {@code invalid_scope}
 * (400) for scopes beyond the grant or the credential, or no default scope within the grant; {@code server_error} (500)
 * for a granted credential the broker has not loaded, a fault of the broker's configuration. The identity provider being
 * down, refusing the broker's own client, or the mint budget being spent are {@code temporarily_unavailable} 503 with
 * {@code Retry-After}: RFC 6749 clients retry on 503, and the caller's own client is not at fault.
 */
final class OAuthAnswers {

    /** How the caller proved itself, which decides how a failed proof is worded. */
    enum Proof {
        /** Client authentication (a secret or a client assertion): a failed proof is {@code invalid_client}. */
        CLIENT,
        /** A subject token (RFC 8693): a failed proof is {@code invalid_grant}. */
        SUBJECT_TOKEN
    }

    static final String REALM = "Basic realm=\"token-broker\"";
    /** Retry-After on a 503 when the token path named no wait of its own. */
    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

    private OAuthAnswers() {}

    /** A 200 with this token answer, {@code Cache-Control: no-store} and {@code Pragma: no-cache} (RFC 6749 5.1). */
    static Response ok(Object body) {
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache")
                .build();
    }

    /** The RFC 6749 5.2 answer to this failure. */
    static Response answer(Throwable failure, Proof proof) {
        if (failure instanceof OAuthError.Refused refused) {
            return refused.error.equals(OAuthError.INVALID_CLIENT)
                    ? invalidClient(refused.getMessage())
                    : error(400, refused.error, refused.getMessage()).build();
        }
        if (failure instanceof TokenException refused) {
            return switch (refused.refusal()) {
                case INVALID_REQUEST -> error(400, OAuthError.INVALID_REQUEST, refused.getMessage()).build();
                case INVALID_SCOPE -> error(400, OAuthError.INVALID_SCOPE, refused.getMessage()).build();
                case UNAUTHENTICATED -> proof == Proof.CLIENT
                        ? invalidClient("Client authentication failed.")
                        : error(400, OAuthError.INVALID_GRANT, "The subject token is not accepted.").build();
                case FORBIDDEN -> refused instanceof GrantRefused grant
                        && grant.reason() != GrantRefused.Reason.NO_GRANT_FOR_CREDENTIAL
                        ? error(400, OAuthError.INVALID_SCOPE, refused.getMessage()).build()
                        : proof == Proof.CLIENT
                        ? error(400, OAuthError.UNAUTHORIZED_CLIENT, "The client is not granted this credential.").build()
                        : error(400, OAuthError.INVALID_TARGET, "The subject is not granted this resource.").build();
                case UNKNOWN_CREDENTIAL -> error(500, OAuthError.SERVER_ERROR,
                        "The credential is granted but not loaded by the broker: a broker configuration problem.").build();
                case UPSTREAM_UNAVAILABLE, UPSTREAM_REJECTED, MINT_BUDGET_EXHAUSTED, CACHE_UNAVAILABLE ->
                        error(503, OAuthError.TEMPORARILY_UNAVAILABLE, "No token can be had now; try again later.")
                                .header(HttpHeaders.RETRY_AFTER,
                                        Math.max(1, refused.retryAfter().orElse(DEFAULT_RETRY_AFTER).toSeconds()))
                                .build();
            };
        }
        // The class name only: messages of unexpected exceptions are not known to be free of secrets.
        Log.errorf("event=unexpected_error exception=%s", failure.getClass().getName());
        return error(500, OAuthError.SERVER_ERROR, "An unexpected error occurred.").build();
    }

    private static Response invalidClient(String description) {
        return error(401, OAuthError.INVALID_CLIENT, description).header(HttpHeaders.WWW_AUTHENTICATE, REALM).build();
    }

    private static Response.ResponseBuilder error(int status, String error, String description) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache")
                .entity(new OAuthError(error, description));
    }
}
