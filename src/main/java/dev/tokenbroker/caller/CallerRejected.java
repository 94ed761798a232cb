package dev.tokenbroker.caller;

import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;

/**
 * A 401: the bearer value proves no caller. Says how the caller tried ({@code api-key}, {@code service-account},
 * or {@code -}) and why it failed, for the audit log and metrics; the detail callers see is fixed text.
 */
public final class CallerRejected extends TokenException {

    /** Why a bearer value was refused; {@link #tag()} is a low-cardinality metric tag and audit field. */
    public enum Reason {
        MISSING_BEARER("Send Authorization: Bearer <key or ServiceAccount token>."),
        REPEATED_AUTHORIZATION("Send one Authorization header."),
        UNKNOWN_API_KEY("The bearer credential is not recognised."),
        SERVICE_ACCOUNTS_OFF("ServiceAccount tokens are not accepted by this broker."),
        MALFORMED("The ServiceAccount token is not a well-formed JWT."),
        ALGORITHM("The ServiceAccount token is not signed with RS256 or ES256."),
        UNKNOWN_SIGNING_KEY("The ServiceAccount token is signed by a key the cluster does not publish."),
        BAD_SIGNATURE("The ServiceAccount token's signature does not verify."),
        ISSUER("The ServiceAccount token is from another issuer."),
        AUDIENCE("The ServiceAccount token is not meant for this broker (aud)."),
        EXPIRED("The ServiceAccount token has expired."),
        NOT_YET_VALID("The ServiceAccount token is not valid yet."),
        SUBJECT("The ServiceAccount token's sub is not system:serviceaccount:<namespace>:<name>."),
        UNKNOWN_SERVICE_ACCOUNT("No caller is listed for this ServiceAccount.");

        private final String detail;

        Reason(String detail) {
            this.detail = detail;
        }

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String method;
    private final Reason reason;

    CallerRejected(String method, Reason reason) {
        super(Refusal.UNAUTHENTICATED, reason.detail);
        this.method = method;
        this.reason = reason;
    }

    /** How the caller tried to authenticate: {@code api-key}, {@code service-account}, or {@code -}. */
    public String method() {
        return method;
    }

    public Reason reason() {
        return reason;
    }
}
