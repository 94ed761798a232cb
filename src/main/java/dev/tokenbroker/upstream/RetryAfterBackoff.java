package dev.tokenbroker.upstream;

import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter, except that an upstream {@code Retry-After} is honoured (up to the
 * maximum delay). One instance serves one guarded call.
 */
final class RetryAfterBackoff implements CustomBackoffStrategy {

    private final long maxDelayMillis;
    private long ceilingMillis;

    RetryAfterBackoff(Duration maxDelay) {
        this.maxDelayMillis = maxDelay.toMillis();
    }

    @Override
    public void init(long initialDelayInMillis) {
        ceilingMillis = Math.max(1, initialDelayInMillis);
    }

    @Override
    public long nextDelayInMillis(Throwable cause) {
        if (cause instanceof UpstreamUnavailableException unavailable && unavailable.retryAfter().isPresent()) {
            return Math.min(unavailable.retryAfter().get().toMillis(), maxDelayMillis);
        }
        long delay = ThreadLocalRandom.current().nextLong(ceilingMillis / 2, ceilingMillis + 1);
        ceilingMillis = Math.min(ceilingMillis * 2, maxDelayMillis);
        return delay;
    }
}
