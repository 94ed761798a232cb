package dev.tokenbroker.upstream;

import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;

/** The identity provider refused the request (a 4xx other than 429): a configuration problem, never retried. */
public class UpstreamRejectedException extends TokenException {

    private final String error;

    UpstreamRejectedException(String credential, String error) {
        super(Refusal.UPSTREAM_REJECTED,
                "The identity provider rejected credential " + credential + " (" + error + ").");
        this.error = error;
    }

    /** The RFC 6749 5.2 {@code error}, e.g. {@code invalid_client}, or {@code http_<status>} when it gave none or another. */
    public String error() {
        return error;
    }

    /** Whether the client's own authentication was refused, so the next secret is worth a try. */
    public boolean refusedClient() {
        return "invalid_client".equals(error) || "unauthorized_client".equals(error);
    }
}
