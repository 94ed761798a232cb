package dev.tokenbroker.broker;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.MinTtl;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.TokenKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.context.ManagedExecutor;

/**
 * Refreshes a token in the background once it is past its refresh point, while callers keep getting it at once:
 * {@code refresh-at} of the time it meets the default {@code min_ttl} (its life less {@code min-ttl}, or less half its
 * life when that is shorter: {@link MinTtl}), made earlier by up to {@code refresh-jitter} by a fraction fixed per
 * replica and key, so that replicas do not line up. So a 5-minute token is refreshed before a request with the default
 * {@code min_ttl} would have to wait for a mint, as a 24-hour one is. One refresh per key at a time; after a failure,
 * none for {@code refresh-retry-interval}.
 */
@ApplicationScoped
class RefreshAhead {

    private final FleetMinter minter;
    private final CacheKeys keys;
    private final Clock clock;
    private final ManagedExecutor background;
    private final MeterRegistry meters;
    private final TokenBrokerConfig.Tokens config;
    private final long defaultMinTtlMillis;
    private final long jitterSalt = new SecureRandom().nextLong();
    private final Map<TokenKey, Boolean> refreshing = new ConcurrentHashMap<>();
    private final Map<TokenKey, Instant> failedUntil = new ConcurrentHashMap<>();

    RefreshAhead(FleetMinter minter, CacheKeys keys, Clock clock, ManagedExecutor background, MeterRegistry meters,
            TokenBrokerConfig config) {
        this.minter = minter;
        this.keys = keys;
        this.clock = clock;
        this.background = background;
        this.meters = meters;
        this.config = config.tokens();
        this.defaultMinTtlMillis = this.config.minTtl().toMillis();
    }

    /** Called for every token served: starts its one background refresh when it is due. Never blocks. */
    void served(Credential credential, TokenKey key, Token token) {
        Instant now = clock.instant();
        if (now.toEpochMilli() < refreshPoint(key, token)
                || now.isBefore(failedUntil.getOrDefault(key, Instant.MIN))
                || refreshing.putIfAbsent(key, Boolean.TRUE) != null) {
            return;
        }
        try {
            background.execute(() -> refresh(credential, key, token));
        } catch (RuntimeException rejected) {
            refreshing.remove(key);
        }
    }

    private void refresh(Credential credential, TokenKey key, Token current) {
        Log.debugf("event=token_refresh_started credential=%s", credential.name());
        try {
            Token fresh = minter.token(credential, key, t -> t.issuedAt().isAfter(current.issuedAt()), MintReason.REFRESH_AHEAD);
            failedUntil.remove(key);
            meters.counter("tokenbroker.refreshes", "result", "success").increment();
            Log.debugf("event=token_refreshed credential=%s fingerprint=%s", credential.name(),
                    keys.fingerprint(fresh.accessToken()));
        } catch (RuntimeException e) {
            failedUntil.put(key, clock.instant().plus(config.refreshRetryInterval()));
            meters.counter("tokenbroker.refreshes", "result", "failure").increment();
            String reason = e instanceof TokenException refused ? refused.refusal().code() : e.getClass().getSimpleName();
            Log.warnf("event=token_refresh_failed credential=%s reason=%s action=serving_cached_token retry_in=%ds",
                    credential.name(), reason, config.refreshRetryInterval().toSeconds());
        } finally {
            refreshing.remove(key);
        }
    }

    /** When (epoch milliseconds) the token is due for a refresh; counted in {@code long}s, as it is asked per answer. */
    long refreshPoint(TokenKey key, Token token) {
        double share = config.refreshAt() - config.refreshJitter() * jitterFraction(key);
        long issued = token.issuedAt().toEpochMilli();
        long life = token.expiresAt().toEpochMilli() - issued;
        long servesDefault = life - Math.min(defaultMinTtlMillis, life / 2);
        return issued + (long) (servesDefault * Math.max(0, share));
    }

    /** A number in [0, 1) fixed for this process and key, so the refresh point does not move between requests. */
    private double jitterFraction(TokenKey key) {
        long z = jitterSalt + key.hashCode() * 0x9E3779B97F4A7C15L; // SplitMix64's finaliser: cheap and well mixed
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) / (double) (1L << 53);
    }
}
