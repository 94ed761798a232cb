package dev.tokenbroker.cache;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The purge generation of each credential, as this replica last saw it (per Redis name, so per sealing key). A purge
 * raises it; every token is sealed with the generation it was written under and is served only while that is still
 * the latest. The highest value seen is kept here, so that an older value written back to Redis cannot bring purged
 * tokens back either.
 */
@ApplicationScoped
class PurgeGenerations {

    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    /** The latest generation under this name: the higher of what Redis holds and what this replica saw. */
    long observe(String name, byte[] inRedis) {
        return observe(name, parse(inRedis));
    }

    long observe(String name, long inRedis) {
        return seen.merge(name, inRedis, Math::max);
    }

    static byte[] bytes(long generation) {
        return Long.toString(generation).getBytes(StandardCharsets.US_ASCII);
    }

    static long parse(byte[] value) {
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0; // not written by a broker: what this replica saw before still holds
        }
    }
}
