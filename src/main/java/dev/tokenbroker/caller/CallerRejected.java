package dev.tokenbroker.caller;

import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;

/**
 * A 401: the bearer value proves no caller. Says how the caller tried ({@code api-key}, {@code service-account},
 * or {@code -}) and why it failed, for the audit log and metrics; the detail callers see is one fixed text.
 */
public final class CallerRejected extends TokenException {

    /**
     * What every 401 says, whatever the reason: a caller probing with made-up or tampered tokens learns nothing
     * about which check failed. The reason goes to the audit line and the metric.
     */
    static final String DETAIL = "Send Authorization: Bearer with a key or a ServiceAccount token this broker accepts.";

    /** Why a bearer value was refused; {@link #tag()} is a low-cardinality metric tag and audit field. */
    public enum Reason {
        MISSING_BEARER,
        REPEATED_AUTHORIZATION,
        /** A static key shorter than {@link StaticKeyVerifier#MIN_KEY_LENGTH}: never accepted, listed or not. */
        SHORT_API_KEY,
        UNKNOWN_API_KEY,
        SERVICE_ACCOUNTS_OFF,
        MALFORMED,
        ALGORITHM,
        UNKNOWN_SIGNING_KEY,
        BAD_SIGNATURE,
        ISSUER,
        AUDIENCE,
        EXPIRED,
        NOT_YET_VALID,
        /** {@code exp - iat} over {@code tokenbroker.kubernetes.max-token-lifetime}, or no {@code iat}. */
        LIFETIME,
        SUBJECT,
        UNKNOWN_SERVICE_ACCOUNT;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final String method;
    private final Reason reason;

    CallerRejected(String method, Reason reason) {
        super(Refusal.UNAUTHENTICATED, DETAIL);
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
