package dev.tokenbroker.cache;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Whether the broker may ask Redis now, and the one place where Redis failures are counted, logged and remembered.
 * Redis is used when {@code quarkus.redis.hosts} is set; a failure makes the broker fall back to its in-process tier.
 * When Redis <em>refuses</em> the broker (wrong password, an ACL without a command it uses, an untrusted
 * certificate) or does not answer within {@code quarkus.redis.timeout}, the broker stops asking it (purges excepted)
 * and checks every {@code tokenbroker.cache.redis-check-interval} whether it may again: a half-working Redis (say,
 * locks taken but never released) or a hung one would make requests wait, a Redis not asked does not.
 */
@ApplicationScoped
public class RedisAvailability {

    /** Commands the broker sends, in the order {@link #check()} tries them: docs/security.md's ACL line allows these. */
    static final List<String> COMMANDS = List.of("SET", "GET", "MGET", "EXISTS", "EVAL", "SADD", "PTTL", "PEXPIREAT",
            "SMEMBERS", "DEL", "PUBLISH");
    /** Operations tried even while Redis is not asked: a token purged in process must not come back from Redis. */
    private static final Set<String> PURGES = Set.of("drop", "publish");
    /** Every {@code operation} tag of {@code tokenbroker.redis.errors}. */
    static final List<String> OPERATIONS = List.of("get", "put", "drop", "lock", "unlock", "publish", "subscribe");

    private final Instance<RedisDataSource> redis;
    private final Instance<ReactiveRedisDataSource> reactive;
    private final CacheKeys keys;
    private final MeterRegistry meters;
    private final boolean enabled;
    private final Duration timeout;
    private final Duration checkInterval;
    /** Passwords that an error message must never show. */
    private final Collection<String> secrets;
    /** Why the last Redis command failed; null while commands succeed. */
    private volatile RedisFailure failure;
    private volatile ValueCommands<String, byte[]> values;
    private volatile ReactiveValueCommands<String, byte[]> reactiveValues;

    RedisAvailability(Instance<RedisDataSource> redis, Instance<ReactiveRedisDataSource> reactive, CacheKeys keys,
            MeterRegistry meters, TokenBrokerConfig config) {
        this.redis = redis;
        this.reactive = reactive;
        this.keys = keys;
        this.meters = meters;
        this.checkInterval = config.cache().redisCheckInterval();
        Config settings = ConfigProvider.getConfig();
        Optional<String> hosts = settings.getOptionalValue("quarkus.redis.hosts", String.class).filter(h -> !h.isBlank());
        this.enabled = hosts.isPresent();
        this.timeout = settings.getOptionalValue("quarkus.redis.timeout", Duration.class).orElse(Duration.ofSeconds(10));
        this.secrets = RedisFailure.passwords(hosts, settings.getOptionalValue("quarkus.redis.password", String.class));
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            OPERATIONS.forEach(this::errors); // at 0 from the start, so that an alert on increase() sees the first error
        }
        Log.infof("event=cache_configured tiers=%s", enabled ? "memory,redis" : "memory");
        if (enabled) {
            check();
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

    /**
     * Tries every command the broker uses, once, on keys of its own (so that an ACL that lacks one shows now, not at
     * the first purge); the first refusal or error marks Redis as failing, success as usable again.
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
        RedisDataSource ds = blocking();
        command("SET", () -> ds.execute("SET", lock, id, "NX", "PX", "10000"));
        command("GET", () -> ds.execute("GET", lock));
        command("MGET", () -> ds.execute("MGET", lock, token));
        command("EXISTS", () -> ds.execute("EXISTS", lock));
        command("EVAL", () -> ds.execute("EVAL", MintLock.RELEASE_IF_OWNER, "1", lock, id));
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

    /**
     * Runs one operation (one or more commands, each wrapped by {@link #command}) against Redis; on failure counts it,
     * logs the first failure of an outage, and answers {@code fallback}. While Redis is not asked, answers
     * {@code fallback} at once, but for purges. Blocks.
     */
    <T> T call(String operation, Supplier<T> action, T fallback) {
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
     * {@link #call} without blocking: one command, guarded by {@code quarkus.redis.timeout} (without a guard a hung
     * Redis would hold an event-loop request for ever); a failure gives {@code fallback}, never a failed Uni.
     */
    <T> Uni<T> callAsync(String operation, String command, Supplier<Uni<T>> action, T fallback) {
        if (skipped(operation)) {
            return Uni.createFrom().item(fallback);
        }
        return action.get()
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("no answer in " + timeout.toMillis() + " ms"))
                .onItemOrFailure().transform((result, e) -> {
                    if (e != null) {
                        failedCall(operation, command, e);
                        return fallback;
                    }
                    succeeded(operation);
                    return result;
                });
    }

    /** Runs one Redis command, so that a failure names it. */
    static <T> T command(String name, Supplier<T> action) {
        try {
            return action.get();
        } catch (RuntimeException e) {
            throw new CommandFailed(name, e);
        }
    }

    /** A failure of the events subscription, described without secrets, and counted. */
    RedisFailure subscriptionFailure(Throwable e) {
        errors("subscribe").increment();
        return RedisFailure.of("SUBSCRIBE", e, secrets);
    }

    RedisDataSource blocking() {
        return redis.get();
    }

    ReactiveRedisDataSource reactive() {
        return reactive.get();
    }

    /** Value commands on bytes, made once: each {@code value()} call looks its codecs up again. */
    ValueCommands<String, byte[]> values() {
        ValueCommands<String, byte[]> commands = values;
        if (commands == null) {
            commands = redis.get().value(byte[].class);
            values = commands;
        }
        return commands;
    }

    ReactiveValueCommands<String, byte[]> reactiveValues() {
        ReactiveValueCommands<String, byte[]> commands = reactiveValues;
        if (commands == null) {
            commands = reactive.get().value(byte[].class);
            reactiveValues = commands;
        }
        return commands;
    }

    private Counter errors(String operation) {
        return meters.counter("tokenbroker.redis.errors", "operation", operation);
    }

    /**
     * While Redis refuses the broker or does not answer, an operation is not tried but counted as an error; purges
     * are always tried.
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
}
