package dev.tokenbroker.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The shared tier: tokens in Redis for every replica, when {@code quarkus.redis.hosts} is set. Key names are
 * HMACs; values are AES-256-GCM sealed with the key name as associated data; each key expires with its token.
 * Redis failures are counted and logged and make the broker fall back to its in-process tier. When Redis
 * <em>refuses</em> the broker (wrong password, an ACL without a command it uses, an untrusted certificate) or does
 * not answer a command within {@code quarkus.redis.timeout}, the broker stops asking it and checks every
 * {@code tokenbroker.cache.redis-check-interval} whether it may again: a half-working Redis (say, locks taken but
 * never released) or a hung one would make requests wait, a Redis not asked does not.
 */
@ApplicationScoped
public class RedisTokenStore {

    private final CacheKeys keys;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private static final String DROP = "drop:";
    private static final Set<String> PURGES = Set.of("drop", "publish");
    private static final String RELEASE_IF_OWNER =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    /** Commands the broker sends, in the order {@link #check()} tries them: the ACL line in docs/security.md allows these. */
    static final List<String> COMMANDS = List.of("SET", "GET", "EXISTS", "EVAL", "SADD", "PTTL", "PEXPIREAT", "SMEMBERS",
            "DEL", "PUBLISH");

    private final Instance<RedisDataSource> redis;
    private final Instance<ReactiveRedisDataSource> reactive;
    private volatile ValueCommands<String, byte[]> values;
    private volatile ReactiveValueCommands<String, byte[]> reactiveValues;
    private final boolean enabled;
    /** How long a command may take, as for the blocking client ({@code quarkus.redis.timeout}). */
    private final Duration timeout;
    private final Duration checkInterval;
    /** Passwords that an error message must never show. */
    private final Collection<String> secrets;
    /** Why the last Redis command failed; null while commands succeed. */
    private volatile RedisFailure failure;
    /** Why the subscription to the events channel is down; null while it is up (or being made). */
    private volatile RedisFailure eventsFailure;
    private volatile boolean subscribed;
    private volatile Consumer<String> dropListener;
    private volatile EventsSubscription subscription;

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
            Instance<ReactiveRedisDataSource> reactive, TokenBrokerConfig config) {
        this.reactive = reactive;
        this.keys = keys;
        this.json = json;
        this.meters = meters;
        this.redis = redis;
        this.checkInterval = config.cache().redisCheckInterval();
        Config settings = ConfigProvider.getConfig();
        Optional<String> hosts = settings.getOptionalValue("quarkus.redis.hosts", String.class).filter(h -> !h.isBlank());
        this.enabled = hosts.isPresent();
        this.timeout = settings.getOptionalValue("quarkus.redis.timeout", Duration.class).orElse(Duration.ofSeconds(10));
        this.secrets = RedisFailure.passwords(hosts, settings.getOptionalValue("quarkus.redis.password", String.class));
        requireNoUsernameSetting(settings.getOptionalValue("quarkus.redis.username", String.class).isPresent());
    }

    /**
     * The Quarkus Redis client has no user setting: {@code QUARKUS_REDIS_USERNAME} would be ignored and the broker
     * would log in as {@code default}. The user goes into the URL; refuse to start rather than run as someone else.
     */
    static void requireNoUsernameSetting(boolean usernameSet) {
        if (usernameSet) {
            throw new IllegalStateException("quarkus.redis.username (env QUARKUS_REDIS_USERNAME) is no setting of the "
                    + "Quarkus Redis client and would be ignored; name the ACL user in quarkus.redis.hosts instead: "
                    + "rediss://host:6379?user=NAME (the password stays in quarkus.redis.password)");
        }
    }

    void onStart(@Observes StartupEvent event) {
        requireEncryptionKey(enabled, keys.configured());
        if (enabled) {
            // At 0 from the start, so that an alert on increase() sees the first error.
            List.of("get", "put", "drop", "lock", "unlock", "publish", "subscribe").forEach(this::errors);
        }
        Log.infof("event=cache_configured tiers=%s", enabled ? "memory,redis" : "memory");
        if (enabled) {
            check();
        }
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
        return failure == null;
    }

    /** Why Redis is not used now, e.g. {@code EVAL refused: NOPERM ...}; empty while it is. */
    public Optional<String> problem() {
        RedisFailure current = failure;
        return Optional.ofNullable(current).map(f -> f.summary() + (f.stopsAsking()
                ? "; using the in-process tier, checking again every " + checkInterval.toSeconds() + "s" : ""));
    }

    /** The subscription to the events channel, over which purges reach this replica: subscribed, or why not. */
    public String events() {
        RedisFailure current = eventsFailure;
        return current != null ? current.summary() : subscribed ? "subscribed" : "subscribing";
    }

    /**
     * Tries every command the broker uses, once, on keys of its own (so that an ACL that lacks one shows now,
     * not at the first purge); the first refusal or error marks Redis as failing, success as usable again.
     */
    void check() {
        try {
            probe();
            RedisFailure previous = failure;
            failure = null;
            if (previous != null) {
                Log.infof("event=redis_recovered operation=check commands=%s", String.join(",", COMMANDS));
            } else {
                Log.infof("event=redis_checked commands=%s result=ok", String.join(",", COMMANDS));
            }
        } catch (CommandFailed e) {
            failed("check", e.command, e.getCause());
        } catch (RuntimeException e) {
            failed("check", "connect", e);
        }
    }

    /** While Redis fails, checks it again (a Redis that refuses or does not answer is asked nothing else meanwhile). */
    @Scheduled(every = "${tokenbroker.cache.redis-check-interval}", delayed = "${tokenbroker.cache.redis-check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void checkWhileFailing() {
        if (enabled && failure != null) {
            check();
        }
    }

    private void probe() {
        String id = UUID.randomUUID().toString();
        String lock = keys.checkName(id, "l");
        String token = keys.checkName(id, "t");
        String index = keys.checkName(id, "c");
        String expiry = Long.toString(Instant.now().plusSeconds(10).toEpochMilli());
        RedisDataSource ds = redis.get();
        command("SET", () -> ds.execute("SET", lock, id, "NX", "PX", "10000"));
        command("GET", () -> ds.execute("GET", lock));
        command("EXISTS", () -> ds.execute("EXISTS", lock));
        command("EVAL", () -> ds.execute("EVAL", RELEASE_IF_OWNER, "1", lock, id));
        command("SET", () -> {
            values().set(token, new byte[] { 0 }, new SetArgs().pxAt(Instant.now().plusSeconds(10)));
            return null;
        });
        command("SADD", () -> ds.execute("SADD", index, token));
        command("PTTL", () -> ds.execute("PTTL", index));
        command("PEXPIREAT", () -> ds.execute("PEXPIREAT", index, expiry));
        command("SMEMBERS", () -> ds.execute("SMEMBERS", index));
        command("DEL", () -> ds.execute("DEL", token));
        command("DEL", () -> ds.execute("DEL", index));
        command("PUBLISH", () -> ds.execute("PUBLISH", keys.eventsChannel(), "check"));
    }

    public Optional<Token> get(TokenKey key) {
        if (!enabled) {
            return Optional.empty();
        }
        // One GET per key that may have sealed it, newest first; one by one, since under a Redis Cluster
        // names made with different keys live in different slots.
        for (int i = 0; i < keys.size(); i++) {
            String name = keys.tokenName(key, i);
            byte[] sealed = call("get", () -> command("GET", () -> values().get(name)), null);
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

    private static final Uni<Optional<Token>> NONE = Uni.createFrom().item(Optional.empty());

    /**
     * {@link #get} without blocking, for the event loop: the same GETs, failures counted and logged the same way;
     * a Redis that fails, refuses or does not answer within {@code quarkus.redis.timeout} gives empty, never a
     * failure.
     */
    public Uni<Optional<Token>> getAsync(TokenKey key) {
        return enabled ? getAsync(key, 0) : NONE;
    }

    private Uni<Optional<Token>> getAsync(TokenKey key, int index) {
        if (index >= keys.size() || skipped("get")) {
            return NONE;
        }
        String name = keys.tokenName(key, index);
        return reactiveValues().get(name)
                .ifNoItem().after(timeout)
                .failWith(() -> new TimeoutException("no answer in " + timeout.toMillis() + " ms"))
                .onItemOrFailure().transformToUni((sealed, e) -> {
                    if (e != null) {
                        failedCall("get", "GET", e);
                        return NONE;
                    }
                    succeeded("get");
                    if (sealed == null) {
                        return getAsync(key, index + 1);
                    }
                    Optional<Token> token = unseal(sealed, name, index);
                    if (token.isPresent()) {
                        return Uni.createFrom().item(token);
                    }
                    Log.warnf("event=cache_entry_unreadable key=%s", name);
                    return getAsync(key, index + 1);
                });
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
        Boolean taken = call("lock", () -> command("SET",
                () -> redis.get().execute("SET", name, owner, "NX", "PX", Long.toString(ttl.toMillis())) != null), null);
        if (taken == null) {
            return new Lock(LockResult.UNAVAILABLE, name, owner);
        }
        return new Lock(taken ? LockResult.ACQUIRED : LockResult.HELD_ELSEWHERE, name, owner);
    }

    /** Whether some replica holds the mint lock of this token; false when Redis cannot say. */
    public boolean locked(TokenKey key) {
        return enabled && Boolean.TRUE.equals(
                call("lock", () -> command("EXISTS", () -> redis.get().execute("EXISTS", keys.lockName(key)).toInteger() > 0), false));
    }

    /** Releases a lock only if this replica still owns it (compare and delete, atomically in Lua). */
    public void unlock(Lock lock) {
        if (lock.result() == LockResult.ACQUIRED) {
            call("unlock", () -> command("EVAL", () -> redis.get().execute("EVAL", RELEASE_IF_OWNER, "1", lock.name(), lock.owner())), null);
        }
    }

    /**
     * Tells every replica (this one included) to drop a credential's tokens from its in-process tier; false when
     * Redis could not be told.
     */
    public boolean publishDrop(String credential) {
        return !enabled || call("publish", () -> {
            command("PUBLISH", () -> redis.get().execute("PUBLISH", keys.eventsChannel(),
                    DROP + keys.credentialIndexName(credential)));
            return true;
        }, false);
    }

    /**
     * Listens for drops published by any replica; {@code listener} gets the credential's index name (an HMAC,
     * so the channel carries no credential names). Subscribes again whenever the subscription fails or its
     * connection ends (Redis restarted, a network cut), backing off up to 10s; each failure is counted and the
     * first of a kind logged.
     */
    public void onDrop(Consumer<String> listener) {
        if (!enabled) {
            return;
        }
        dropListener = listener;
        subscribe();
    }

    private void subscribe() {
        subscription = new EventsSubscription(reactive.get().getRedis(), keys.eventsChannel(), this::onEvent,
                this::subscribed, this::subscriptionFailed);
        subscription.start();
    }

    private void onEvent(String message) {
        if (message.startsWith(DROP)) {
            dropListener.accept(message.substring(DROP.length()));
        }
    }

    private void subscribed() {
        subscribed = true;
        RedisFailure previous = eventsFailure;
        eventsFailure = null;
        if (previous != null) {
            Log.infof("event=redis_subscription_restored channel=%s", keys.eventsChannel());
        } else {
            Log.debugf("event=redis_subscribed channel=%s", keys.eventsChannel());
        }
    }

    private void subscriptionFailed(Throwable e) {
        subscribed = false;
        errors("subscribe").increment();
        RedisFailure now = RedisFailure.of("SUBSCRIBE", e, secrets);
        RedisFailure previous = eventsFailure;
        eventsFailure = now;
        if (previous == null || previous.kind() != now.kind()) {
            String line = "event=redis_subscription_lost channel=%s problem=%s reason=\"%s\" "
                    + "action=resubscribing consequence=purges_on_other_replicas_not_heard";
            if (now.refused()) {
                Log.errorf(line, keys.eventsChannel(), now.kind().tag(), now.reason());
            } else {
                Log.warnf(line, keys.eventsChannel(), now.kind().tag(), now.reason());
            }
        }
    }

    /** Before Quarkus closes the Redis client, so that the end of the subscription's connection is no loss. */
    void onStop(@Observes ShutdownEvent event) {
        stopListening();
    }

    @PreDestroy
    void stopListening() {
        if (subscription != null) {
            subscription.stop();
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
            command("SET", () -> {
                values().set(name, sealed, new SetArgs().pxAt(token.expiresAt()));
                return null;
            });
            RedisDataSource ds = redis.get();
            command("SADD", () -> ds.execute("SADD", index, name));
            // The index lives as long as its longest-lived token (PTTL, not PEXPIREAT GT: Redis 6.2 lacks it).
            long pttl = command("PTTL", () -> ds.execute("PTTL", index)).toLong();
            if (pttl < 0 || System.currentTimeMillis() + pttl < token.expiresAt().toEpochMilli()) {
                command("PEXPIREAT", () -> ds.execute("PEXPIREAT", index, expiry));
            }
            return null;
        }, null);
    }

    /** Deletes every token of a credential that this replica's keys can name; false when Redis could not. */
    public boolean dropCredential(String credential) {
        if (!enabled) {
            return true;
        }
        String index = keys.credentialIndexName(credential);
        return call("drop", () -> {
            RedisDataSource ds = redis.get();
            List<String> members = new ArrayList<>();
            command("SMEMBERS", () -> ds.execute("SMEMBERS", index)).forEach(member -> members.add(member.toString()));
            for (String member : members) {
                command("DEL", () -> ds.execute("DEL", member)); // one by one: in a Cluster they live in different slots
            }
            command("DEL", () -> ds.execute("DEL", index));
            Log.infof("event=cache_dropped credential=%s tokens=%d", credential, members.size());
            return true;
        }, false);
    }

    private ValueCommands<String, byte[]> values() {
        ValueCommands<String, byte[]> commands = values; // made once: each value() call looks its codecs up again
        if (commands == null) {
            commands = redis.get().value(byte[].class);
            values = commands;
        }
        return commands;
    }

    private ReactiveValueCommands<String, byte[]> reactiveValues() {
        ReactiveValueCommands<String, byte[]> commands = reactiveValues;
        if (commands == null) {
            commands = reactive.get().value(byte[].class);
            reactiveValues = commands;
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

    /**
     * Runs one operation (one or more commands) against Redis; on failure counts it, logs the first failure of an
     * outage, and answers {@code fallback}. While Redis refuses the broker or does not answer, answers {@code fallback}
     * at once, but for purges.
     */
    private <T> T call(String operation, Supplier<T> action, T fallback) {
        if (skipped(operation)) {
            return fallback;
        }
        try {
            T result = action.get();
            succeeded(operation);
            return result;
        } catch (CommandFailed e) {
            failedCall(operation, e.command, e.getCause());
            return fallback;
        } catch (RuntimeException e) {
            failedCall(operation, "?", e);
            return fallback;
        }
    }

    /**
     * While Redis refuses the broker or does not answer, an operation is not tried but counted as an error; purges
     * are always tried (a token purged in process must not come back from Redis later).
     */
    private boolean skipped(String operation) {
        RedisFailure current = failure;
        if (current != null && current.stopsAsking() && !PURGES.contains(operation)) {
            errors(operation).increment();
            return true;
        }
        return false;
    }

    private void succeeded(String operation) {
        RedisFailure current = failure;
        if (current != null && !current.refused()) {
            failure = null;
            Log.infof("event=redis_recovered operation=%s", operation);
        }
    }

    private void failedCall(String operation, String command, Throwable e) {
        errors(operation).increment();
        failed(operation, command, e);
    }

    private void failed(String operation, String command, Throwable e) {
        RedisFailure now = RedisFailure.of(command, e, secrets);
        RedisFailure previous = failure;
        failure = now;
        if (previous == null || previous.kind() != now.kind()) {
            if (now.stopsAsking()) {
                String line = "event=redis_unavailable operation=%s command=%s problem=%s reason=\"%s\" "
                        + "action=using_in_process_tier check_every=%ds";
                if (now.refused()) {
                    Log.errorf(line, operation, command, now.kind().tag(), now.reason(), checkInterval.toSeconds());
                } else {
                    Log.warnf(line, operation, command, now.kind().tag(), now.reason(), checkInterval.toSeconds());
                }
            } else {
                Log.warnf("event=redis_unavailable operation=%s command=%s problem=unreachable exception=%s reason=\"%s\" "
                        + "action=using_in_process_tier", operation, command, rootClass(e), now.reason());
            }
        }
    }

    private static String rootClass(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    /** Runs one Redis command, so that a failure names it. */
    private static <T> T command(String name, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw new CommandFailed(name, e);
        }
    }

    /** A Redis command that failed, and how. */
    private static final class CommandFailed extends RuntimeException {
        final String command;

        CommandFailed(String command, RuntimeException cause) {
            super(command, cause, false, false);
            this.command = command;
        }
    }
}
