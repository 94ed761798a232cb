package dev.tokenbroker.broker;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.cache.MintLock;
import dev.tokenbroker.cache.RedisTokens;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.TokenKey;
import dev.tokenbroker.trace.Spans;
import dev.tokenbroker.trace.TraceSpan;
import dev.tokenbroker.upstream.UpstreamTokenClient;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A mint, once per key for this process and once for the fleet. In this process the first thread for a key mints
 * and the others wait for its token ({@link SingleFlight}). Across replicas, the one that takes the key's lock in
 * Redis mints; the others wait for its token in Redis until the lock is gone. Each call to the identity provider
 * is paid from the credential's {@link MintBudget}. Blocks: for worker threads.
 */
@ApplicationScoped
class FleetMinter {

    private final LocalTokenCache local;
    private final RedisTokens shared;
    private final MintLock locks;
    private final UpstreamTokenClient upstream;
    private final MintBudget budget;
    private final CacheKeys keys;
    private final Clock clock;
    private final TokenBrokerConfig config;
    private final Duration lockTtl;
    private final Spans spans;
    private final SingleFlight flight = new SingleFlight();

    FleetMinter(LocalTokenCache local, RedisTokens shared, MintLock locks, UpstreamTokenClient upstream, MintBudget budget,
            CacheKeys keys, Clock clock, TokenBrokerConfig config, Spans spans) {
        this.spans = spans;
        this.keys = keys;
        this.local = local;
        this.shared = shared;
        this.locks = locks;
        this.upstream = upstream;
        this.budget = budget;
        this.clock = clock;
        this.config = config;
        // A lock must outlive the longest mint (retries end by max-duration; the attempt under way may run one
        // timeout more), or a second replica would mint while the first still waits on the provider.
        Duration longestMint = config.upstream().maxDuration().plus(config.upstream().timeout());
        this.lockTtl = config.cache().lockTtl().compareTo(longestMint) > 0 ? config.cache().lockTtl() : longestMint;
    }

    /**
     * A token that {@code wanted} accepts: one that another thread or replica has just made, or a new one. Joining a
     * flight started for another purpose (a refresh) may give a token that does not suit; then one more flight.
     */
    Token token(Credential credential, TokenKey key, Predicate<Token> wanted) {
        return token(credential, key, wanted, MintReason.MISS);
    }

    /** As {@link #token(Credential, TokenKey, Predicate)}, in a span that says why ({@code token_broker.mint.reason}). */
    Token token(Credential credential, TokenKey key, Predicate<Token> wanted, MintReason reason) {
        try (TraceSpan span = spans.start("mint").attribute(Spans.CREDENTIAL, credential.name())
                .attribute("token_broker.mint.reason", reason.tag())) {
            try {
                Token token = flight.run(key, () -> fleetMint(credential, key, wanted));
                token = wanted.test(token) ? token : flight.run(key, () -> fleetMint(credential, key, wanted));
                span.outcome("ok");
                return token;
            } catch (TokenException e) {
                span.outcome(e.refusal().code());
                throw e;
            }
        }
    }

    /**
     * A token that satisfies {@code wanted} from this process or Redis if there is one; else the replica that takes
     * the key's lock mints, and the others wait for its token until the lock is gone. Without Redis, this process
     * mints.
     */
    private Token fleetMint(Credential credential, TokenKey key, Predicate<Token> wanted) {
        Optional<Token> done = local.get(key).filter(wanted); // a flight may have ended just before ours began
        if (done.isPresent()) {
            return done.get();
        }
        Instant giveUp = clock.instant().plus(lockTtl).plus(config.upstream().maxDuration());
        while (true) {
            Optional<Token> stored = stored(key, wanted);
            if (stored.isPresent()) {
                return stored.get();
            }
            MintLock.Lock lock = locks.tryLock(key, lockTtl);
            if (lock.result() != MintLock.Result.HELD_ELSEWHERE) {
                try {
                    if (lock.result() == MintLock.Result.ACQUIRED) {
                        // The previous holder may have written its token between our look and our lock.
                        stored = stored(key, wanted);
                        if (stored.isPresent()) {
                            return stored.get();
                        }
                    }
                    return mint(credential, key);
                } finally {
                    locks.release(lock);
                }
            }
            Optional<Token> winners;
            try (TraceSpan span = spans.start("mint lock wait").attribute(Spans.CREDENTIAL, credential.name())) {
                winners = awaitWinner(key, wanted, giveUp);
                span.attribute("token_broker.lock.result", winners.isPresent() ? "token_stored" : "lock_gone");
            }
            if (winners.isPresent()) {
                return winners.get();
            }
            if (clock.instant().isAfter(giveUp)) {
                throw new TokenException(Refusal.UPSTREAM_UNAVAILABLE,
                        "Another replica is minting this token and has not finished; try again later.",
                        Optional.of(config.upstream().retryAfter()));
            }
        }
    }

    /** Redis's token for the key if {@code wanted} accepts it, kept in the in-process tier too. */
    private Optional<Token> stored(TokenKey key, Predicate<Token> wanted) {
        Optional<Token> stored = shared.get(key).await().indefinitely().filter(wanted); // the read times itself out
        stored.ifPresent(token -> local.put(key, token));
        return stored;
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
            Optional<Token> stored = stored(key, wanted);
            if (stored.isPresent() || !locks.held(key)) {
                return stored;
            }
        }
        return Optional.empty();
    }

    private Token mint(Credential credential, TokenKey key) {
        budget.take(credential.name());
        Log.debugf("event=mint_started credential=%s", credential.name());
        Token token = upstream.mint(credential, key.scopes());
        Log.infof("event=token_minted credential=%s scopes=\"%s\" expires_in=%d fingerprint=%s", credential.name(),
                key.scopes(), token.lifetime().toSeconds(), keys.fingerprint(token.accessToken()));
        shared.put(key, token);
        local.put(key, token);
        return token;
    }
}
