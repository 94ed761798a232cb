package dev.tokenbroker.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import io.vertx.mutiny.redis.client.Response;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The shared tier: tokens in Redis for every replica, when {@code quarkus.redis.hosts} is set. Key names are
 * HMACs; values are AES-256-GCM sealed with the key name as associated data; each key expires with its token.
 * Redis failures are counted and logged and make the broker fall back to its in-process tier.
 */
@ApplicationScoped
public class RedisTokenStore {

    private final CacheKeys keys;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private static final String DROP = "drop:";
    private static final String RELEASE_IF_OWNER =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final Instance<RedisDataSource> redis;
    private final Instance<ReactiveRedisDataSource> reactive;
    private volatile ValueCommands<String, byte[]> values;
    private final boolean enabled;
    private volatile boolean healthy = true;
    private volatile Cancellable subscription;

    /** What is sealed into Redis: short names keep values small. */
    record Stored(String t, String y, long i, long e) {
        Token token() {
            return new Token(t, y, Instant.ofEpochMilli(i), Instant.ofEpochMilli(e));
        }

        static Stored of(Token token) {
            return new Stored(token.accessToken(), token.tokenType(), token.issuedAt().toEpochMilli(),
                    token.expiresAt().toEpochMilli());
        }
    }

    RedisTokenStore(CacheKeys keys, ObjectMapper json, MeterRegistry meters, Instance<RedisDataSource> redis,
            Instance<ReactiveRedisDataSource> reactive) {
        this.reactive = reactive;
        this.keys = keys;
        this.json = json;
        this.meters = meters;
        this.redis = redis;
        this.enabled = ConfigProvider.getConfig().getOptionalValue("quarkus.redis.hosts", String.class)
                .filter(hosts -> !hosts.isBlank()).isPresent();
    }

    void onStart(@Observes StartupEvent event) {
        requireEncryptionKey(enabled, keys.configured());
        if (enabled) {
            // At 0 from the start, so that an alert on increase() sees the first error.
            List.of("get", "put", "drop", "lock", "unlock", "publish").forEach(this::errors);
        }
        Log.infof("event=cache_configured tiers=%s", enabled ? "memory,redis" : "memory");
    }

    /** The broker refuses to start with Redis but without an encryption key. */
    static void requireEncryptionKey(boolean redisConfigured, boolean keyConfigured) {
        if (redisConfigured && !keyConfigured) {
            throw new IllegalStateException("quarkus.redis.hosts is set but tokenbroker.cache.encryption-key "
                    + "(env TOKENBROKER_CACHE_ENCRYPTION_KEY) is not: tokens in Redis must be encrypted; "
                    + CacheKeys.HOW_TO_MAKE_A_KEY);
        }
    }

    /** Whether Redis is configured at all. */
    public boolean enabled() {
        return enabled;
    }

    /** Whether the last Redis operation succeeded. */
    public boolean healthy() {
        return healthy;
    }

    public Optional<Token> get(TokenKey key) {
        if (!enabled) {
            return Optional.empty();
        }
        // One GET per key that may have sealed it, newest first; one by one, since under a Redis Cluster
        // names made with different keys live in different slots.
        for (int i = 0; i < keys.size(); i++) {
            String name = keys.tokenName(key, i);
            byte[] sealed = call("get", () -> values().get(name), null);
            if (sealed == null) {
                continue;
            }
            Optional<Token> token = unseal(sealed, name, i);
            if (token.isPresent()) {
                return token;
            }
            Log.warnf("event=cache_entry_unreadable key=%s", name);
        }
        return Optional.empty();
    }

    /** The outcome of asking for a token's mint lock. */
    public enum LockResult {
        /** This replica holds the lock and should mint. */
        ACQUIRED,
        /** Another replica is minting; wait for its token. */
        HELD_ELSEWHERE,
        /** Redis cannot be asked (not configured or down): mint with in-process single flight only. */
        UNAVAILABLE
    }

    /** A lock held or not; {@code owner} is a random id, so only its owner can release it. */
    public record Lock(LockResult result, String name, String owner) {}

    /** Takes the fleet-wide mint lock of a token: SET NX with an owner id and an expiry. */
    public Lock tryLock(TokenKey key, Duration ttl) {
        if (!enabled) {
            return new Lock(LockResult.UNAVAILABLE, null, null);
        }
        String name = keys.lockName(key);
        String owner = UUID.randomUUID().toString();
        Boolean taken = call("lock", () -> {
            Response reply = redis.get().execute("SET", name, owner, "NX", "PX", Long.toString(ttl.toMillis()));
            return reply != null;
        }, null);
        if (taken == null) {
            return new Lock(LockResult.UNAVAILABLE, name, owner);
        }
        return new Lock(taken ? LockResult.ACQUIRED : LockResult.HELD_ELSEWHERE, name, owner);
    }

    /** Whether some replica holds the mint lock of this token; false when Redis cannot say. */
    public boolean locked(TokenKey key) {
        return enabled && Boolean.TRUE.equals(
                call("lock", () -> redis.get().execute("EXISTS", keys.lockName(key)).toInteger() > 0, false));
    }

    /** Releases a lock only if this replica still owns it (compare and delete, atomically in Lua). */
    public void unlock(Lock lock) {
        if (lock.result() == LockResult.ACQUIRED) {
            call("unlock", () -> redis.get().execute("EVAL", RELEASE_IF_OWNER, "1", lock.name(), lock.owner()), null);
        }
    }

    /** Tells every replica (this one included) to drop a credential's tokens from its in-process tier. */
    public void publishDrop(String credential) {
        if (enabled) {
            call("publish", () -> redis.get().execute("PUBLISH", keys.eventsChannel(),
                    DROP + keys.credentialIndexName(credential)), null);
        }
    }

    /**
     * Listens for drops published by any replica; {@code listener} gets the credential's index name (an HMAC,
     * so the channel carries no credential names). Resubscribes after Redis comes back.
     */
    public void onDrop(Consumer<String> listener) {
        if (!enabled) {
            return;
        }
        subscription = reactive.get().pubsub(String.class).subscribe(keys.eventsChannel())
                .onFailure().invoke(e -> Log.warnf("event=redis_subscription_lost exception=%s", e.getClass().getSimpleName()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10)).indefinitely()
                .subscribe().with(message -> {
                    if (message.startsWith(DROP)) {
                        listener.accept(message.substring(DROP.length()));
                    }
                });
    }

    @PreDestroy
    void stopListening() {
        if (subscription != null) {
            subscription.cancel();
        }
    }

    public void put(TokenKey key, Token token) {
        if (!enabled) {
            return;
        }
        String name = keys.tokenName(key, 0);
        String index = keys.credentialIndexName(key.credential());
        byte[] sealed;
        try {
            sealed = keys.seal(json.writeValueAsBytes(Stored.of(token)), name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise token", e);
        }
        String expiry = Long.toString(token.expiresAt().toEpochMilli());
        call("put", () -> {
            values().set(name, sealed, new SetArgs().pxAt(token.expiresAt()));
            RedisDataSource ds = redis.get();
            ds.execute("SADD", index, name);
            // The index lives as long as its longest-lived token (PTTL, not PEXPIREAT GT: Redis 6.2 lacks it).
            long pttl = ds.execute("PTTL", index).toLong();
            if (pttl < 0 || System.currentTimeMillis() + pttl < token.expiresAt().toEpochMilli()) {
                ds.execute("PEXPIREAT", index, expiry);
            }
            return null;
        }, null);
    }

    /** Deletes every token of a credential that this replica's keys can name. */
    public void dropCredential(String credential) {
        if (!enabled) {
            return;
        }
        String index = keys.credentialIndexName(credential);
        call("drop", () -> {
            RedisDataSource ds = redis.get();
            List<String> members = new ArrayList<>();
            ds.execute("SMEMBERS", index).forEach(member -> members.add(member.toString()));
            for (String member : members) {
                ds.execute("DEL", member); // one by one: in a Cluster they live in different slots
            }
            ds.execute("DEL", index);
            Log.infof("event=cache_dropped credential=%s tokens=%d", credential, members.size());
            return null;
        }, null);
    }

    private ValueCommands<String, byte[]> values() {
        ValueCommands<String, byte[]> commands = values; // made once: each value() call looks its codecs up again
        if (commands == null) {
            commands = redis.get().value(byte[].class);
            values = commands;
        }
        return commands;
    }

    private Optional<Token> unseal(byte[] sealed, String name, int index) {
        return keys.open(sealed, name, index).flatMap(plain -> {
            try {
                return Optional.of(json.readValue(plain, Stored.class).token());
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    private Counter errors(String operation) {
        return meters.counter("tokenbroker.redis.errors", "operation", operation);
    }

    private <T> T call(String operation, Supplier<T> action, T fallback) {
        try {
            T result = action.get();
            if (!healthy) {
                healthy = true;
                Log.infof("event=redis_recovered operation=%s", operation);
            }
            return result;
        } catch (RuntimeException e) {
            errors(operation).increment();
            if (healthy) {
                healthy = false;
                Log.warnf("event=redis_unavailable operation=%s exception=%s action=using_in_process_tier",
                        operation, e.getClass().getSimpleName());
            }
            return fallback;
        }
    }
}
