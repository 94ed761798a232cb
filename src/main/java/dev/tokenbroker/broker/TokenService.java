package dev.tokenbroker.broker;

import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenKey;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.cache.RedisTokenStore;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialDropped;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.upstream.UpstreamTokenClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.eclipse.microprofile.context.ManagedExecutor;

/**
 * The one path every token takes: the in-process tier, then Redis; on a miss, one mint per key in this
 * process (concurrent requests wait for it) and one in the fleet (a Redis lock per key; replicas that lose
 * the race wait for the winner's token). Past {@code refresh-at} of its life a token is refreshed in the
 * background, once, while callers keep getting it at once.
 */
@ApplicationScoped
public class TokenService {

    /** Which tier answered a request. */
    public enum Tier {
        MEMORY, REDIS, UPSTREAM;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A token and the tier it came from. */
    public record Served(Token token, Tier tier) {}

    private final LocalTokenCache local;
    private final RedisTokenStore shared;
    private final UpstreamTokenClient upstream;
    private final CacheKeys keys;
    private final Clock clock;
    private final ManagedExecutor background;
    private final MeterRegistry meters;
    private final TokenBrokerConfig config;
    private final Duration lockTtl;
    private final long jitterSalt = new SecureRandom().nextLong();
    private final Map<TokenKey, CompletableFuture<Token>> minting = new ConcurrentHashMap<>();
    private final Map<TokenKey, Boolean> refreshing = new ConcurrentHashMap<>();
    private final Map<TokenKey, Instant> refreshFailedUntil = new ConcurrentHashMap<>();

    TokenService(LocalTokenCache local, RedisTokenStore shared, UpstreamTokenClient upstream, CacheKeys keys,
            Clock clock, ManagedExecutor background, MeterRegistry meters, TokenBrokerConfig config) {
        this.local = local;
        this.shared = shared;
        this.upstream = upstream;
        this.keys = keys;
        this.clock = clock;
        this.background = background;
        this.meters = meters;
        this.config = config;
        // A lock must outlive the longest mint (retries end by max-duration; the attempt under way may run one
        // timeout more), or a second replica would mint while the first still waits on the provider.
        Duration longestMint = config.upstream().maxDuration().plus(config.upstream().timeout());
        this.lockTtl = config.cache().lockTtl().compareTo(longestMint) > 0 ? config.cache().lockTtl() : longestMint;
    }

    void onStart(@Observes StartupEvent event) {
        shared.onDrop(index -> local.credentials().stream()
                .filter(name -> keys.credentialIndexName(name).equals(index))
                .forEach(local::dropCredential));
    }

    /**
     * A token for this credential and scope set that stays valid at least {@code minTtl}: from the in-process tier,
     * else Redis, else minted. Blocks: for worker threads.
     */
    public Served token(Credential credential, TokenKey key, Duration minTtl) {
        Optional<Served> memory = fromMemory(credential, key, minTtl);
        if (memory.isPresent()) {
            return memory.get();
        }
        Optional<Served> stored = fromStored(credential, key, shared.get(key), minTtl);
        return stored.isPresent() ? stored.get() : minted(credential, key, minTtl);
    }

    /**
     * The in-process tier's token, if it stays valid at least {@code minTtl} (starting its background refresh when
     * due). Nothing here blocks, so an event-loop thread may ask.
     */
    public Optional<Served> fromMemory(Credential credential, TokenKey key, Duration minTtl) {
        Optional<Token> memory = local.get(key);
        if (memory.isPresent() && usable(memory.get(), minTtl)) {
            refreshIfDue(credential, key, memory.get());
            return Optional.of(new Served(memory.get(), Tier.MEMORY));
        }
        return Optional.empty();
    }

    /**
     * Redis's token, if it stays valid at least {@code minTtl} (kept in the in-process tier, its refresh started
     * when due), without blocking: for the event loop after {@link #fromMemory} found nothing. Empty when Redis
     * has none or cannot be asked; then {@link #minted} goes on, on a worker.
     */
    public Uni<Optional<Served>> fromRedis(Credential credential, TokenKey key, Duration minTtl) {
        return shared.getAsync(key).map(stored -> fromStored(credential, key, stored, minTtl));
    }

    /**
     * After the in-process tier and Redis had nothing: the in-process tier once more (a mint may have just ended),
     * then a mint, once for this process and once for the fleet. Blocks: for worker threads.
     */
    public Served minted(Credential credential, TokenKey key, Duration minTtl) {
        Optional<Served> memory = fromMemory(credential, key, minTtl);
        if (memory.isPresent()) {
            return memory.get();
        }
        Predicate<Token> lasts = t -> t.lastsFor(minTtl, clock.instant());
        Token token = flight(key, () -> fleetMint(credential, key, lasts));
        requireLifetime(token, minTtl);
        if (!lasts.test(token)) {
            // We joined a flight started for another purpose (a refresh) whose token does not last for us.
            token = flight(key, () -> fleetMint(credential, key, lasts));
        }
        requireLifetime(token, minTtl);
        return new Served(token, Tier.UPSTREAM);
    }

    private Optional<Served> fromStored(Credential credential, TokenKey key, Optional<Token> stored, Duration minTtl) {
        if (stored.isPresent() && usable(stored.get(), minTtl)) {
            local.put(key, stored.get());
            refreshIfDue(credential, key, stored.get());
            return Optional.of(new Served(stored.get(), Tier.REDIS));
        }
        return Optional.empty();
    }

    /**
     * Drops every cached token of a credential, in this process, in Redis and on every other replica; false when
     * Redis could not be reached (then only this process's copies are gone).
     */
    public boolean purge(String credential) {
        local.dropCredential(credential);
        boolean dropped = shared.dropCredential(credential);
        return shared.publishDrop(credential) && dropped;
    }

    /** Drops the tokens of a credential that was removed or now names another account. */
    void onDropped(@Observes CredentialDropped dropped) {
        purge(dropped.name());
    }

    /** A fingerprint of the token for log lines. */
    public String fingerprint(Token token) {
        return keys.fingerprint(token.accessToken());
    }

    private boolean usable(Token token, Duration minTtl) {
        requireLifetime(token, minTtl);
        return token.lastsFor(minTtl, clock.instant());
    }

    /** In-process single flight: the first caller for a key runs {@code mint}; concurrent ones wait for it. */
    private Token flight(TokenKey key, Supplier<Token> mint) {
        CompletableFuture<Token> mine = new CompletableFuture<>();
        CompletableFuture<Token> running = minting.putIfAbsent(key, mine);
        if (running != null) {
            return await(running);
        }
        try {
            Token token = mint.get();
            mine.complete(token);
            return token;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            minting.remove(key, mine);
        }
    }

    /**
     * Fleet single flight: a token that satisfies {@code wanted} from Redis if there is one; else the replica
     * that takes the key's lock mints, and the others poll Redis for its token until the lock is gone. Without
     * Redis, this process mints.
     */
    private Token fleetMint(Credential credential, TokenKey key, Predicate<Token> wanted) {
        Instant giveUp = clock.instant().plus(lockTtl).plus(config.upstream().maxDuration());
        while (true) {
            Optional<Token> stored = shared.get(key).filter(wanted);
            if (stored.isPresent()) {
                local.put(key, stored.get());
                return stored.get();
            }
            RedisTokenStore.Lock lock = shared.tryLock(key, lockTtl);
            if (lock.result() != RedisTokenStore.LockResult.HELD_ELSEWHERE) {
                try {
                    if (lock.result() == RedisTokenStore.LockResult.ACQUIRED) {
                        // The previous holder may have written its token between our look and our lock.
                        stored = shared.get(key).filter(wanted);
                        if (stored.isPresent()) {
                            local.put(key, stored.get());
                            return stored.get();
                        }
                    }
                    return mint(credential, key);
                } finally {
                    shared.unlock(lock);
                }
            }
            Optional<Token> winners = awaitWinner(key, wanted, giveUp);
            if (winners.isPresent()) {
                local.put(key, winners.get());
                return winners.get();
            }
            if (clock.instant().isAfter(giveUp)) {
                throw new TokenException(Refusal.UPSTREAM_UNAVAILABLE,
                        "Another replica is minting this token and has not finished; try again later.",
                        Optional.of(config.upstream().retryAfter()));
            }
        }
    }

    /** Polls Redis for the lock holder's token; empty once the lock is gone without one (or time is up). */
    private Optional<Token> awaitWinner(TokenKey key, Predicate<Token> wanted, Instant giveUp) {
        while (clock.instant().isBefore(giveUp)) {
            try {
                Thread.sleep(config.cache().lockPollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TokenException(Refusal.UPSTREAM_UNAVAILABLE, "Interrupted while waiting for a token.");
            }
            Optional<Token> stored = shared.get(key).filter(wanted);
            if (stored.isPresent() || !shared.locked(key)) {
                return stored;
            }
        }
        return Optional.empty();
    }

    private Token mint(Credential credential, TokenKey key) {
        Log.debugf("event=mint_started credential=%s", credential.name());
        Token token = upstream.mint(credential, key.scopes());
        Log.infof("event=token_minted credential=%s scopes=\"%s\" expires_in=%d fingerprint=%s", credential.name(),
                key.scopes(), token.lifetime().toSeconds(), fingerprint(token));
        shared.put(key, token);
        local.put(key, token);
        return token;
    }

    /**
     * Starts one background refresh when the token is past its refresh point: {@code refresh-at} of its life,
     * made earlier by up to {@code refresh-jitter} by a fraction fixed per replica and key.
     */
    private void refreshIfDue(Credential credential, TokenKey key, Token token) {
        Instant now = clock.instant();
        if (now.isBefore(refreshPoint(key, token))
                || now.isBefore(refreshFailedUntil.getOrDefault(key, Instant.MIN))
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
            Token fresh = flight(key, () -> fleetMint(credential, key, t -> t.issuedAt().isAfter(current.issuedAt())));
            refreshFailedUntil.remove(key);
            meters.counter("tokenbroker.refreshes", "result", "success").increment();
            Log.debugf("event=token_refreshed credential=%s fingerprint=%s", credential.name(), fingerprint(fresh));
        } catch (RuntimeException e) {
            refreshFailedUntil.put(key, clock.instant().plus(config.tokens().refreshRetryInterval()));
            meters.counter("tokenbroker.refreshes", "result", "failure").increment();
            String reason = e instanceof TokenException p ? p.refusal().code() : e.getClass().getSimpleName();
            Log.warnf("event=token_refresh_failed credential=%s reason=%s action=serving_cached_token retry_in=%ds",
                    credential.name(), reason, config.tokens().refreshRetryInterval().toSeconds());
        } finally {
            refreshing.remove(key);
        }
    }

    Instant refreshPoint(TokenKey key, Token token) {
        double share = config.tokens().refreshAt() - config.tokens().refreshJitter() * jitterFraction(key);
        long lifeMillis = token.lifetime().toMillis();
        return token.issuedAt().plusMillis((long) (lifeMillis * Math.max(0, share)));
    }

    /** A number in [0, 1) fixed for this process and key, so the refresh point does not move between requests. */
    private double jitterFraction(TokenKey key) {
        long z = jitterSalt + key.hashCode() * 0x9E3779B97F4A7C15L; // SplitMix64's finaliser: cheap and well mixed
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) / (double) (1L << 53);
    }

    private static Token await(CompletableFuture<Token> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** A {@code min_ttl} beyond what the identity provider grants can never be met. */
    private static void requireLifetime(Token token, Duration minTtl) {
        if (minTtl.compareTo(token.lifetime()) > 0) {
            throw TokenException.invalidRequest("min_ttl is larger than the token lifetime the identity provider grants ("
                    + token.lifetime().toSeconds() + " s).");
        }
    }
}
