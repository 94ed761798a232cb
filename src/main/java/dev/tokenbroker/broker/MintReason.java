package dev.tokenbroker.broker;

import java.util.Locale;

/**
 * Why a mint was asked for: the {@code token_broker.mint.reason} of its span (docs/operations.md, Traces). A new
 * reason is one more value here.
 */
public enum MintReason {
    /** No cached token met the request. */
    MISS,
    /** A token served past its refresh point, refreshed in the background. */
    REFRESH_AHEAD;

    /** The attribute value: {@code miss}, {@code refresh_ahead}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
