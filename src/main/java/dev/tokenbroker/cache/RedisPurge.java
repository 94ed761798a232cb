package dev.tokenbroker.cache;

import static dev.tokenbroker.cache.RedisAvailability.command;

import dev.tokenbroker.credential.CredentialRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Purges: a credential's tokens dropped in Redis and on every replica. A purge raises the credential's purge
 * generation under every configured encryption key (so that nothing sealed before it is served again, see
 * {@link RedisTokens}), deletes the tokens its per-key index sets list, and announces itself on the events channel
 * as {@code drop:<generation>:<tag>,<tag>...}, one HMAC tag of the credential per key the sender holds: the channel
 * carries no credential names. A replica drops its own copies when any tag is one of its credentials'; when the
 * sender did not hold this replica's sealing key (a rotation rolling out), this replica also raises the generation
 * and deletes the tokens under that key, which the sender could not name.
 */
@ApplicationScoped
public class RedisPurge {

    private static final String DROP = "drop:";

    private final RedisAvailability redis;
    private final CacheKeys keys;
    private final PurgeGenerations generations;
    private final LocalTokenCache local;
    private final CredentialRegistry credentials;
    private final Clock clock;
    /** Why the subscription to the events channel is down; null while it is up (or being made). */
    private volatile RedisFailure eventsFailure;
    private volatile boolean subscribed;
    private volatile EventsSubscription subscription;
    private final RedisRejections rejections;

    RedisPurge(RedisAvailability redis, CacheKeys keys, PurgeGenerations generations, LocalTokenCache local,
            CredentialRegistry credentials, Clock clock, RedisRejections rejections) {
        this.rejections = rejections;
        this.redis = redis;
        this.keys = keys;
        this.generations = generations;
        this.local = local;
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * Drops a credential's tokens in Redis, under every configured key, and tells every replica; false when Redis
     * could not be reached (then only this process's copies are gone). Blocks.
     */
    public boolean purge(String credential) {
        if (!redis.enabled()) {
            return true;
        }
        Long generation = redis.call("drop", () -> {
            long next = nextGeneration(credential);
            for (int i = 0; i < keys.size(); i++) {
                dropUnder(credential, i, next);
            }
            return next;
        }, null);
        boolean published = generation != null && redis.call("publish", () -> {
            List<String> tags = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                tags.add(keys.credentialTag(credential, i));
            }
            command("PUBLISH", () -> redis.blocking().execute("PUBLISH", keys.eventsChannel(),
                    DROP + generation + ":" + String.join(",", tags)));
            return true;
        }, false);
        return generation != null && published;
    }

    /** Later than every generation of the credential seen, and than the last purge anywhere (a clock reading). */
    private long nextGeneration(String credential) {
        long highest = 0;
        for (int i = 0; i < keys.size(); i++) {
            String name = keys.generationName(credential, i);
            highest = Math.max(highest, generations.observe(name, command("GET", () -> redis.values().get(name))));
        }
        return Math.max(clock.millis(), highest + 1);
    }

    /** Raises the generation under key {@code index} to {@code generation} and deletes what its index set lists. */
    private void dropUnder(String credential, int index, long generation) {
        RedisDataSource ds = redis.blocking();
        String name = keys.generationName(credential, index);
        if (generations.observe(name, command("GET", () -> redis.values().get(name))) < generation) {
            command("SET", () -> {
                redis.values().set(name, PurgeGenerations.bytes(generation));
                return null;
            });
        }
        generations.observe(name, generation);
        String set = keys.credentialIndexName(credential, index);
        List<String> members = new ArrayList<>();
        command("SMEMBERS", () -> ds.execute("SMEMBERS", set)).forEach(member -> members.add(member.toString()));
        for (String member : members) {
            command("DEL", () -> ds.execute("DEL", member)); // one by one: in a Cluster they may live in different slots
        }
        command("DEL", () -> ds.execute("DEL", set));
        Log.infof("event=cache_dropped credential=%s key_index=%d tokens=%d", credential, index, members.size());
    }

    void onStart(@Observes StartupEvent event) {
        if (redis.enabled()) {
            subscribe();
        }
    }

    /** The subscription to the events channel, over which purges reach this replica: subscribed, or why not. */
    public String events() {
        RedisFailure current = eventsFailure;
        return current != null ? current.summary() : subscribed ? "subscribed" : "subscribing";
    }

    private void subscribe() {
        subscription = new EventsSubscription(redis.reactive().getRedis(), keys.eventsChannel(), this::onEvent,
                this::subscribed, this::subscriptionFailed);
        subscription.start();
    }

    /**
     * A purge (or a rejection, {@link RedisRejections}) announced by any replica, this one included. Runs on the event
     * loop: Redis work goes to a worker.
     */
    private void onEvent(String message) {
        if (message.startsWith(RedisRejections.REJECT)) {
            rejections.onEvent(message); // one refused token, not the whole credential
            return;
        }
        if (!message.startsWith(DROP) || message.indexOf(':', DROP.length()) < 0) {
            return;
        }
        int colon = message.indexOf(':', DROP.length());
        long generation;
        try {
            generation = Long.parseLong(message.substring(DROP.length(), colon));
        } catch (NumberFormatException e) {
            return;
        }
        Set<String> tags = Set.of(message.substring(colon + 1).split(","));
        for (String credential : credentials.names()) {
            Optional<List<Integer>> notNamed = keys.keysNotNamed(credential, tags);
            if (notNamed.isPresent()) {
                List<Integer> unnamed = notNamed.get();
                local.dropCredential(credential);
                if (!unnamed.isEmpty()) {
                    Infrastructure.getDefaultWorkerPool().execute(() -> redis.call("drop", () -> {
                        unnamed.forEach(i -> dropUnder(credential, i, generation));
                        return null;
                    }, null));
                }
            }
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
        RedisFailure now = redis.subscriptionFailure(e);
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
}
