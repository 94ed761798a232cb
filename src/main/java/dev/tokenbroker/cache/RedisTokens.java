package dev.tokenbroker.cache;

import static dev.tokenbroker.cache.RedisAvailability.command;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenKey;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The shared tier: tokens in Redis for every replica. A token's key name is an HMAC of its credential, client id,
 * token URL and scope set; its value is AES-256-GCM sealed with the key name as associated data, and holds the
 * credential's purge generation at the time it was written: a token sealed before the last purge is never served,
 * even if its ciphertext is written back. Each key expires with its token; a per-credential set indexes them for
 * purges ({@link RedisPurge}).
 */
@ApplicationScoped
public class RedisTokens {

    private static final Uni<Optional<Token>> NONE = Uni.createFrom().item(Optional.empty());

    /**
     * What is sealed into Redis: short names keep values small; {@code g} is the purge generation; {@code s} the scope
     * set, space-separated, so that a revocation can tell which scope set a token is for (null in values written
     * before it was kept).
     */
    record Stored(String t, String y, long i, long e, long g, String s) {
        Token token() {
            return new Token(t, y, Instant.ofEpochMilli(i), Instant.ofEpochMilli(e));
        }

        static Stored of(Token token, long generation, String scopes) {
            return new Stored(token.accessToken(), token.tokenType(), token.issuedAt().toEpochMilli(),
                    token.expiresAt().toEpochMilli(), generation, scopes);
        }
    }

    private final RedisAvailability redis;
    private final CacheKeys keys;
    private final PurgeGenerations generations;
    private final ObjectMapper json;

    RedisTokens(RedisAvailability redis, CacheKeys keys, PurgeGenerations generations, ObjectMapper json) {
        this.redis = redis;
        this.keys = keys;
        this.generations = generations;
        this.json = json;
    }

    /**
     * Redis's token for the key, without blocking: the token and its credential's purge generation in one MGET per
     * key that may have sealed it, newest first (under a Redis Cluster names made with different keys live in
     * different slots). Empty when Redis has none that is readable and not purged, or cannot be asked (it fails,
     * refuses or does not answer within {@code quarkus.redis.timeout}); never a failure.
     */
    public Uni<Optional<Token>> get(TokenKey key) {
        return redis.enabled() ? get(key, 0) : NONE;
    }

    private Uni<Optional<Token>> get(TokenKey key, int index) {
        if (index >= keys.size()) {
            return NONE;
        }
        String name = keys.tokenName(key, index);
        String generation = keys.generationName(key.credential(), index);
        return redis.callAsync("get", "MGET", () -> redis.reactiveValues().mget(name, generation), null)
                .chain(values -> {
                    if (values == null) {
                        return NONE;
                    }
                    Optional<Token> token = open(values, name, index, generations.observe(generation, values.get(generation)));
                    return token.isPresent() ? Uni.createFrom().item(token) : get(key, index + 1);
                });
    }

    private Optional<Token> open(Map<String, byte[]> values, String name, int index, long generation) {
        byte[] sealed = values.get(name);
        if (sealed == null) {
            return Optional.empty();
        }
        Optional<Stored> stored = keys.open(sealed, name, index).flatMap(this::parse);
        if (stored.isEmpty()) {
            Log.warnf("event=cache_entry_unreadable key=%s", name);
            return Optional.empty();
        }
        if (stored.get().g() < generation) {
            Log.warnf("event=cache_entry_purged key=%s action=ignored", name);
            return Optional.empty();
        }
        return Optional.of(stored.get().token());
    }

    /** Writes a token under the sealing key, with its credential's current purge generation. Blocks. */
    public void put(TokenKey key, Token token) {
        if (!redis.enabled()) {
            return;
        }
        String name = keys.tokenName(key, 0);
        String generationName = keys.generationName(key.credential(), 0);
        String index = keys.credentialIndexName(key.credential(), 0);
        String expiry = Long.toString(token.expiresAt().toEpochMilli());
        redis.call("put", () -> {
            long generation = generations.observe(generationName,
                    command("GET", () -> redis.values().get(generationName)));
            byte[] sealed = keys.seal(serialise(Stored.of(token, generation, key.scopes().join(" "))), name);
            command("SET", () -> {
                redis.values().set(name, sealed, new SetArgs().pxAt(token.expiresAt()));
                return null;
            });
            RedisDataSource ds = redis.blocking();
            command("SADD", () -> ds.execute("SADD", index, name));
            // The index lives as long as its longest-lived token (PTTL, not PEXPIREAT GT: Redis 6.2 lacks it).
            long pttl = command("PTTL", () -> ds.execute("PTTL", index)).toLong();
            if (pttl < 0 || System.currentTimeMillis() + pttl < token.expiresAt().toEpochMilli()) {
                command("PEXPIREAT", () -> ds.execute("PEXPIREAT", index, expiry));
            }
            return null;
        }, null);
    }

    /** A sealed value read under {@code name}, opened with key {@code index}; empty if unreadable. */
    Optional<Stored> unseal(byte[] sealed, String name, int index) {
        return keys.open(sealed, name, index).flatMap(this::parse);
    }

    private byte[] serialise(Stored stored) {
        try {
            return json.writeValueAsBytes(stored);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise token", e);
        }
    }

    private Optional<Stored> parse(byte[] plain) {
        try {
            return Optional.of(json.readValue(plain, Stored.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
