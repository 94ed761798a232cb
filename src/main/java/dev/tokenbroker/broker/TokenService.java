package dev.tokenbroker.broker;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.cache.RedisPurge;
import dev.tokenbroker.cache.RedisTokens;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialDropped;
import dev.tokenbroker.token.MinTtl;
import dev.tokenbroker.token.Rejection;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.TokenKey;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.BiFunction;

/**
 * The one path every token takes: the in-process tier; then Redis, asked without blocking; then a mint on a worker
 * thread, once for this process and once for the fleet ({@link FleetMinter}). Answers from memory and from Redis are
 * decided on the thread that asked (the event loop for most requests). A token served past its refresh point is
 * refreshed in the background ({@link RefreshAhead}).
 *
 * <p>A token is good for a request when it stays valid at least {@code min_ttl} (the default: at most half its
 * life, {@link MinTtl}), or when it was minted less than
 * {@code tokenbroker.tokens.min-mint-interval} ago (at most a tenth of its life): such a token is as fresh as the
 * provider gives, so asking for more can never make a credential and scope set mint again within the interval.
 */
@ApplicationScoped
public class TokenService {

    /** Which tier answered a request. */
    public enum Tier {
        MEMORY, REDIS, UPSTREAM;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A token and the tier it came from; for the answer to a report of a refused token, what the report did and the
     * reported token, when the broker held it (else both null).
     */
    public record Served(Token token, Tier tier, Rejection rejection, Token reported) {
        public Served(Token token, Tier tier) {
            this(token, tier, null, null);
        }
    }

    /** What a revocation did, and the revoked token when the broker held it. */
    public record Report(Rejection rejection, Optional<Token> reported) {}

    private final LocalTokenCache local;
    private final RedisTokens shared;
    private final RedisPurge purges;
    private final FleetMinter minter;
    private final RefreshAhead refreshAhead;
    private final CacheKeys keys;
    private final Clock clock;
    private final Duration minMintInterval;
    private final TokenReplacement replacement;

    TokenService(LocalTokenCache local, RedisTokens shared, RedisPurge purges, FleetMinter minter, RefreshAhead refreshAhead,
            CacheKeys keys, Clock clock, TokenBrokerConfig config, TokenReplacement replacement) {
        this.replacement = replacement;
        this.local = local;
        this.shared = shared;
        this.purges = purges;
        this.minter = minter;
        this.refreshAhead = refreshAhead;
        this.keys = keys;
        this.clock = clock;
        this.minMintInterval = config.tokens().minMintInterval();
    }

    /**
     * A token for this credential and scope set that is good for {@code minTtl}: from memory, else Redis, else
     * minted. The outcome goes to {@code then}: the token and {@code null}, or {@code null} and why not (a
     * {@link TokenException}: a {@code min_ttl} beyond the token lifetime, an identity provider that cannot mint, a
     * spent mint budget). {@code then} is called once, on the thread that got the answer, and makes the
     * caller's reply. For an answer from memory it is called directly: a Mutiny step would cost more than the rest
     * of such an answer, since context propagation captures and restores the request's contexts around each one.
     */
    public <T> Uni<T> token(Credential credential, TokenKey key, MinTtl minTtl, BiFunction<Served, Throwable, Uni<T>> then) {
        Served fromMemory = null;
        try {
            Token memory = local.get(key).orElse(null);
            if (memory != null && goodFor(memory, minTtl)) {
                fromMemory = served(credential, key, memory, Tier.MEMORY);
            }
        } catch (RuntimeException e) {
            return then.apply(null, e);
        }
        if (fromMemory != null) {
            return then.apply(fromMemory, null);
        }
        return shared.get(key).chain(stored -> {
            if (stored.isPresent() && goodFor(stored.get(), minTtl)) {
                local.put(key, stored.get());
                return Uni.createFrom().item(served(credential, key, stored.get(), Tier.REDIS));
            }
            MintReason reason = local.purgedSinceLastToken(key) ? MintReason.PURGE : MintReason.MISS;
            return Uni.createFrom().item(() -> new Served(minter.token(credential, key, t -> goodFor(t, minTtl), reason),
                            Tier.UPSTREAM))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }).onItemOrFailure().transformToUni(then::apply);
    }

    /**
     * {@link #token} for a request that reports the token {@code digest} names as refused by an API: if it is the
     * current token, it is dropped on every replica and a new one is the answer; else the current token is
     * ({@link TokenReplacement}). {@code then} gets the outcome, on a worker thread.
     */
    public <T> Uni<T> replace(Credential credential, TokenKey key, String digest, MinTtl minTtl,
            BiFunction<Served, Throwable, Uni<T>> then) {
        return Uni.createFrom().item(() -> replacement.replace(credential, key, digest, t -> goodFor(t, minTtl), this::fresh))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItemOrFailure().transformToUni(then::apply);
    }

    /**
     * RFC 7009: drops the credential's cached token that {@code digest} names, as {@link #replace} would, if
     * {@code permitted} accepts its scope set; the next request mints. Empty when it is not the caller's to drop; a
     * {@link TokenException} when the mint budget is spent (the token is kept). Blocks.
     */
    public Optional<Report> revoke(Credential credential, String digest, Predicate<ScopeSet> permitted) {
        return replacement.revoke(credential, digest, permitted, this::fresh);
    }

    private Served served(Credential credential, TokenKey key, Token token, Tier tier) {
        refreshAhead.served(credential, key, token);
        return new Served(token, tier);
    }

    /**
     * Whether the token may answer a request for {@code minTtl}. A named {@code min_ttl} beyond what the identity
     * provider grants can never be met: that is the caller's mistake, a 400. The default never asks more than half of
     * the token's life ({@link MinTtl}).
     */
    private boolean goodFor(Token token, MinTtl minTtl) {
        if (minTtl.beyondLifeOf(token)) {
            throw TokenException.invalidRequest("min_ttl is larger than the token lifetime the identity provider grants ("
                    + token.lifetime().toSeconds() + " s).");
        }
        Instant now = clock.instant();
        return minTtl.metBy(token, now) || now.isBefore(token.issuedAt().plus(freshFor(token)));
    }

    /** Whether the token was minted so lately that a new one would be no fresher (and is not made: min-mint-interval). */
    private boolean fresh(Token token) {
        return clock.instant().isBefore(token.issuedAt().plus(freshFor(token)));
    }

    /** How long after its mint a token counts as fresh: min-mint-interval, or a tenth of its life if that is shorter. */
    private Duration freshFor(Token token) {
        Duration tenth = token.lifetime().dividedBy(10);
        return tenth.compareTo(minMintInterval) < 0 ? tenth : minMintInterval;
    }

    /**
     * Drops every cached token of a credential, in this process, in Redis and on every other replica; false when
     * Redis could not be reached (then only this process's copies are gone).
     */
    public boolean purge(String credential) {
        local.dropCredential(credential);
        return purges.purge(credential);
    }

    /** Drops the tokens of a credential that was removed or now names another account. */
    void onDropped(@Observes CredentialDropped dropped) {
        purge(dropped.name());
    }

    /** A fingerprint of the token for log lines. */
    public String fingerprint(Token token) {
        return keys.fingerprint(token.accessToken());
    }
}
