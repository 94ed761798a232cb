package dev.tokenbroker.token;

import java.time.Duration;
import java.util.Optional;

/**
 * A request that gets no token, and why. The message is shown to callers as the problem's {@code detail}, so it must
 * never hold a secret, a caller key or a token. Mapped to HTTP answers in one place per surface (see {@link Refusal}).
 */
public class TokenException extends RuntimeException {

    private final Refusal refusal;
    private final transient Optional<Duration> retryAfter;

    public TokenException(Refusal refusal, String detail) {
        this(refusal, detail, Optional.empty());
    }

    public TokenException(Refusal refusal, String detail, Optional<Duration> retryAfter) {
        super(detail, null, false, false);
        this.refusal = refusal;
        this.retryAfter = retryAfter;
    }

    public Refusal refusal() {
        return refusal;
    }

    /** How long the caller should wait before trying again (429 and 503 answers). */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    public static TokenException invalidRequest(String detail) {
        return new TokenException(Refusal.INVALID_REQUEST, detail);
    }
}
