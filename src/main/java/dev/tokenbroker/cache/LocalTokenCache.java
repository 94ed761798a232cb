package dev.tokenbroker.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenDigest;
import dev.tokenbroker.token.TokenKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The in-process tier: tokens of this replica, each evicted when it expires. */
@ApplicationScoped
public class LocalTokenCache {

    private final Cache<TokenKey, Token> cache;
    private final boolean enabled;
    private final long maximumSize;
    /** Keys whose token a purge dropped here and that have had none since: their next mint is for the purge. */
    private final java.util.Set<TokenKey> purged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    LocalTokenCache(TokenBrokerConfig config, Clock clock) {
        this.enabled = config.cache().localEnabled();
        this.maximumSize = config.cache().localMaximumSize();
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.cache().localMaximumSize())
                .expireAfter(Expiry.<TokenKey, Token>writing((key, token) ->
                        maxZero(Duration.between(clock.instant(), token.expiresAt()))))
                .build();
    }

    public Optional<Token> get(TokenKey key) {
        return Optional.ofNullable(cache.getIfPresent(key));
    }

    public void put(TokenKey key, Token token) {
        if (enabled) {
            cache.put(key, token);
            if (!purged.isEmpty()) {
                purged.remove(key);
            }
        }
    }

    /**
     * Whether the key's token was dropped here by a purge and none has come since; asked once, by the mint that
     * follows (the reason of its span), and forgotten then.
     */
    public boolean purgedSinceLastToken(TokenKey key) {
        return !purged.isEmpty() && purged.remove(key);
    }

    /** Names of the credentials that have tokens here now. */
    public java.util.Set<String> credentials() {
        return cache.asMap().keySet().stream().map(TokenKey::credential).collect(java.util.stream.Collectors.toSet());
    }

    /** When the credential's soonest expiring token held here expires; empty when none is held. */
    public Optional<Instant> soonestExpiry(String credential) {
        return cache.asMap().entrySet().stream()
                .filter(entry -> entry.getKey().credential().equals(credential))
                .map(entry -> entry.getValue().expiresAt())
                .min(Instant::compareTo);
    }

    /** The credential's tokens held here now, by key. */
    public java.util.Map<TokenKey, Token> tokensOf(String credential) {
        java.util.Map<TokenKey, Token> held = new java.util.HashMap<>();
        cache.asMap().forEach((key, token) -> {
            if (key.credential().equals(credential)) {
                held.put(key, token);
            }
        });
        return held;
    }

    /** Drops the key's token only if it is the one that {@code digest} names; whether it did. */
    public boolean dropIf(TokenKey key, String digest) {
        Token held = cache.getIfPresent(key);
        return TokenDigest.names(digest, held) && cache.asMap().remove(key, held);
    }

    /** Drops the credential's token that {@code digest} names, whatever its scope set; whether one was held. */
    public boolean dropToken(String credential, String digest) {
        boolean dropped = false;
        for (TokenKey key : tokensOf(credential).keySet()) {
            dropped |= dropIf(key, digest);
        }
        return dropped;
    }

    /** Drops every token of the credential held here (a purge). */
    public void dropCredential(String credential) {
        cache.asMap().keySet().removeIf(key -> {
            boolean of = key.credential().equals(credential);
            if (of && purged.size() < maximumSize) {
                purged.add(key);
            }
            return of;
        });
    }

    public void clear() {
        cache.invalidateAll();
        purged.clear();
    }

    private static Duration maxZero(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
