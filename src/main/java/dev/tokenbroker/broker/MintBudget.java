package dev.tokenbroker.broker;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each credential's budget of mints on this replica: a token bucket of {@code tokenbroker.tokens.mint-budget.burst}
 * mints, refilled at {@code per-minute}. Every call to the identity provider takes one, whatever asked for it (a
 * request, refresh-ahead, a re-mint after a purge), so that no caller can turn the broker against the provider:
 * asking for many scope sets, or for tokens that no cached one satisfies, ends in 429 {@code mint_budget_exhausted}
 * while requests that cached tokens answer go on as before.
 */
@ApplicationScoped
public class MintBudget {

    private final int burst;
    private final double perMilli;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    MintBudget(TokenBrokerConfig config, Clock clock, MeterRegistry meters) {
        this.burst = config.tokens().mintBudget().burst();
        this.perMilli = config.tokens().mintBudget().perMinute() / 60_000.0;
        this.clock = clock;
        this.meters = meters;
        if (burst < 1 || perMilli <= 0) {
            throw new IllegalStateException("tokenbroker.tokens.mint-budget.burst and per-minute must be at least 1");
        }
    }

    /** Takes one mint from the credential's budget, or refuses with 429 and how long until one is back. */
    void take(String credential) {
        refuseIfSpent(credential, bucket(credential).take(clock.millis(), true));
    }

    /**
     * Refuses with 429 as {@link #take} would, without taking a mint: before a refused token is dropped, so that a
     * report the budget cannot answer leaves the cached token in place.
     */
    void check(String credential) {
        refuseIfSpent(credential, bucket(credential).take(clock.millis(), false));
    }

    private Bucket bucket(String credential) {
        return buckets.computeIfAbsent(credential, c -> new Bucket(burst, clock.millis(),
                meters.counter("tokenbroker.mint.budget.exhausted", "credential", c))); // at 0 from the first mint
    }

    private void refuseIfSpent(String credential, Optional<Duration> wait) {
        Bucket bucket = bucket(credential);
        if (wait.isPresent()) {
            bucket.exhausted.increment();
            Log.warnf("event=mint_budget_exhausted credential=%s retry_after=%ds burst=%d per_minute=%d", credential,
                    wait.get().toSeconds(), burst, Math.round(perMilli * 60_000));
            throw new TokenException(Refusal.MINT_BUDGET_EXHAUSTED, "This credential has made as many new tokens as "
                    + "it may for now; cached tokens are still served. Try again later.", wait);
        }
    }

    private final class Bucket {
        private final Counter exhausted;
        private double mints;
        private long refilledAt;

        Bucket(double mints, long now, Counter exhausted) {
            this.mints = mints;
            this.refilledAt = now;
            this.exhausted = exhausted;
        }

        synchronized Optional<Duration> take(long now, boolean spend) {
            mints = Math.min(burst, mints + (now - refilledAt) * perMilli);
            refilledAt = now;
            if (mints >= 1) {
                mints -= spend ? 1 : 0;
                return Optional.empty();
            }
            long millis = (long) Math.ceil((1 - mints) / perMilli);
            return Optional.of(Duration.ofSeconds(Math.max(1, (millis + 999) / 1000)));
        }
    }
}
