package dev.tokenbroker.caller;

import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import java.util.Locale;

/**
 * A request of a proven caller that its grants or the credential do not allow (403, 404 or 400), and why, as a
 * low-cardinality {@link Reason} for the audit line and for the OAuth surfaces, which answer each reason with its own
 * RFC 6749 error. The detail is what the caller is told.
 */
public final class GrantRefused extends TokenException {

    /** Why {@link GrantDecision} refused; {@link #tag()} is the audit line's {@code reason}. */
    public enum Reason {
        /** No grant of the caller names the credential (nor does one exist, so names cannot be probed). */
        NO_GRANT_FOR_CREDENTIAL,
        /** A grant names the credential, but the broker holds no valid version of it. */
        CREDENTIAL_NOT_LOADED,
        /** No scope was asked for, and the grant holds none of the credential's {@code default_scopes}. */
        NO_DEFAULT_SCOPE_GRANTED,
        /** Scopes that no grant of the caller for this credential holds. */
        SCOPES_NOT_GRANTED,
        /** Scopes that the credential's {@code scopes} do not list. */
        SCOPES_NOT_IN_CREDENTIAL;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public GrantRefused(Refusal refusal, Reason reason, String detail) {
        super(refusal, detail);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
