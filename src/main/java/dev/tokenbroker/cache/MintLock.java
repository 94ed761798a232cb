package dev.tokenbroker.cache;

import static dev.tokenbroker.cache.RedisAvailability.command;

import dev.tokenbroker.token.TokenKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.UUID;

/**
 * The fleet-wide mint lock of a token: the replica that takes it mints, the others wait for its token. SET NX with a
 * random owner id and an expiry, so that a replica that dies holding it holds up nobody for long, and released only
 * by its owner (compare and delete in Lua).
 */
@ApplicationScoped
public class MintLock {

    /** Deletes the lock only if the caller still owns it. */
    static final String RELEASE_IF_OWNER =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    /** The outcome of asking for a token's mint lock. */
    public enum Result {
        /** This replica holds the lock and should mint. */
        ACQUIRED,
        /** Another replica is minting; wait for its token. */
        HELD_ELSEWHERE,
        /** Redis cannot be asked (not configured or down): mint with in-process single flight only. */
        UNAVAILABLE
    }

    /** A lock held or not; {@code owner} is a random id, so only its owner can release it. */
    public record Lock(Result result, String name, String owner) {}

    private final RedisAvailability redis;
    private final CacheKeys keys;

    MintLock(RedisAvailability redis, CacheKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Takes the lock of a token for {@code ttl}. Blocks. */
    public Lock tryLock(TokenKey key, Duration ttl) {
        if (!redis.enabled()) {
            return new Lock(Result.UNAVAILABLE, null, null);
        }
        String name = keys.lockName(key);
        String owner = UUID.randomUUID().toString();
        Boolean taken = redis.call("lock", () -> command("SET", () -> redis.blocking()
                .execute("SET", name, owner, "NX", "PX", Long.toString(ttl.toMillis())) != null), null);
        if (taken == null) {
            return new Lock(Result.UNAVAILABLE, name, owner);
        }
        return new Lock(taken ? Result.ACQUIRED : Result.HELD_ELSEWHERE, name, owner);
    }

    /** Whether some replica holds the lock of this token; false when Redis cannot say. Blocks. */
    public boolean held(TokenKey key) {
        return redis.enabled() && Boolean.TRUE.equals(redis.call("lock", () -> command("EXISTS",
                () -> redis.blocking().execute("EXISTS", keys.lockName(key)).toInteger() > 0), false));
    }

    /** Releases a lock only if this replica still owns it. Blocks. */
    public void release(Lock lock) {
        if (lock.result() == Result.ACQUIRED) {
            redis.call("unlock", () -> command("EVAL", () -> redis.blocking()
                    .execute("EVAL", RELEASE_IF_OWNER, "1", lock.name(), lock.owner())), null);
        }
    }
}
