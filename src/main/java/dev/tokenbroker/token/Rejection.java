package dev.tokenbroker.token;

import java.util.List;
import java.util.Locale;

/**
 * What a report of a refused token ({@code rejected} on {@code GET /tokens}, or {@code POST /oauth2/revoke}) did: the
 * {@code result} of {@code tokenbroker_token_rejections_total}, the {@code rejected} field of the audit line and the
 * {@code Token-Broker-Rejected} response header.
 */
public enum Rejection {
    /** It was the cached token: dropped on every replica, and a new one minted (for a revocation, at the next request). */
    REPLACED,
    /** It is not the cached token (already replaced, or never cached): nothing dropped, nothing minted. */
    NOT_CURRENT,
    /** It was minted within {@code min-mint-interval}: kept, since the provider would refuse the next one too. */
    TOO_FRESH,
    /** The credential's mint budget is spent: kept (cached tokens are still served), the report refused with 429. */
    BUDGET_EXHAUSTED;

    /** Every result, for meters at 0. */
    public static final List<Rejection> ALL = List.of(values());

    /** The value as metrics, audit lines and the header show it, e.g. {@code not_current}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
