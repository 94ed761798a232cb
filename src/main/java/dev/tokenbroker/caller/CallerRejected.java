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
        UNKNOWN_SERVICE_ACCOUNT,
        /** The key or ServiceAccount is listed by a callers file entry that has a problem, so it was not loaded. */
        CALLER_ENTRY_NOT_LOADED,
        /** The key or ServiceAccount is listed by a valid entry of a callers file refused for another entry's problem. */
        CALLERS_FILE_NOT_LOADED,
        /** No callers policy has been loaded yet (the file is missing or broken since the start): every caller is refused. */
        CALLERS_NOT_LOADED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Who was refused, as far as the broker can tell without trusting what it was sent: a ServiceAccount
     * ({@code namespace/name}, only of the shape Kubernetes allows) and its cluster's tag, {@code verified} when its
     * token's signature and claims checked out (else what the token claims); the first 8 hex digits of an unknown static
     * key's SHA-256; the callers file entry ({@code file:line}) that lists it but was not loaded. Each null when unknown.
     */
    public record Who(String serviceAccount, String cluster, boolean verified, String keySha256Prefix, String entry) {
        static final Who UNKNOWN = new Who(null, null, false, null, null);

        static Who serviceAccount(String namespaceAndName, String cluster, boolean verified) {
            return new Who(namespaceAndName, cluster, verified, null, null);
        }

        static Who key(String sha256Prefix) {
            return new Who(null, null, false, sha256Prefix, null);
        }

        Who at(String callerEntry) {
            return new Who(serviceAccount, cluster, verified, keySha256Prefix, callerEntry);
        }
    }

    private final String method;
    private final Reason reason;
    private final transient Who who;

    CallerRejected(String method, Reason reason) {
        this(method, reason, Who.UNKNOWN);
    }

    CallerRejected(String method, Reason reason, Who who) {
        super(Refusal.UNAUTHENTICATED, DETAIL);
        this.method = method;
        this.reason = reason;
        this.who = who;
    }

    /** Who was refused, as far as known; never a key, token or secret. */
    public Who who() {
        return who;
    }

    /** How the caller tried to authenticate: {@code api-key}, {@code service-account}, or {@code -}. */
    public String method() {
        return method;
    }

    public Reason reason() {
        return reason;
    }
}
