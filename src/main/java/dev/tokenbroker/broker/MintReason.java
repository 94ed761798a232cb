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
    REFRESH_AHEAD,
    /** A caller reported the cached token as refused by an API ({@code rejected}, {@code POST /oauth2/revoke}). */
    REJECTED,
    /** The key's token was dropped by a purge (DELETE /tokens/{credential}, a removed or re-pointed credential). */
    PURGE;

    /** The attribute value: {@code miss}, {@code refresh_ahead}, {@code rejected}, {@code purge}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
