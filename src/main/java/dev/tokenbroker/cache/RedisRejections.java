package dev.tokenbroker.cache;

import static dev.tokenbroker.cache.RedisAvailability.command;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenDigest;
import dev.tokenbroker.token.TokenKey;
import io.quarkus.redis.datasource.RedisDataSource;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One refused token dropped in Redis and on every replica, and no other: the token under its key is deleted only if it
 * is still the one reported (compare and delete in Lua, so a replacement another replica has just written stays),
 * and the drop is announced on the events channel as {@code reject:<tag>,<tag>...:<digest>}, the credential's HMAC tag
 * under each key the sender holds and the token's hex SHA-256 ({@link TokenDigest}), never the token. A replica drops
 * its own copy when it holds exactly that token; as for a purge ({@link RedisPurge}), when the sender did not hold
 * one of this replica's keys (a rotation rolling out) this replica also looks through the credential's tokens under
 * that key, which the sender could not name, and deletes the reported one.
 */
@ApplicationScoped
public class RedisRejections {

    static final String REJECT = "reject:";
    /** Deletes the key only if its value's SHA-1 is ARGV[1]: the value read before, not one written since. */
    static final String DELETE_IF_UNCHANGED = "local v = redis.call('get', KEYS[1]) "
            + "if v and redis.sha1hex(v) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    /** A token found in Redis by its digest: the scope set it was sealed for (empty when the value predates that). */
    public record Found(Token token, Optional<ScopeSet> scopes) {}

    private final RedisAvailability redis;
    private final RedisTokens tokens;
    private final CacheKeys keys;
    private final LocalTokenCache local;
    private final CredentialRegistry credentials;

    RedisRejections(RedisAvailability redis, RedisTokens tokens, CacheKeys keys, LocalTokenCache local,
            CredentialRegistry credentials) {
        this.redis = redis;
        this.tokens = tokens;
        this.keys = keys;
        this.local = local;
        this.credentials = credentials;
    }

    /**
     * Deletes the key's token in Redis, under every configured key, if it is the one {@code digest} names; whether
     * Redis held it. Blocks.
     */
    public boolean drop(TokenKey key, String digest) {
        if (!redis.enabled()) {
            return false;
        }
        Boolean dropped = redis.call("drop", () -> {
            boolean any = false;
            for (int i = 0; i < keys.size(); i++) {
                any |= dropIfNamed(keys.tokenName(key, i), i, digest);
            }
            return any;
        }, false);
        return dropped;
    }

    /**
     * The credential's token in Redis that {@code digest} names, whatever its scope set: looked for through the
     * credential's index sets under every key. Blocks.
     */
    public Optional<Found> find(String credential, String digest) {
        if (!redis.enabled()) {
            return Optional.empty();
        }
        return redis.call("get", () -> {
            for (int i = 0; i < keys.size(); i++) {
                for (String name : members(credential, i)) {
                    int index = i;
                    Optional<RedisTokens.Stored> stored = read(name, index);
                    if (stored.isPresent() && TokenDigest.names(digest, stored.get().token())) {
                        return stored.map(s -> new Found(s.token(),
                                Optional.ofNullable(s.s()).map(scopes -> ScopeSet.parse(List.of(scopes)))));
                    }
                }
            }
            return Optional.<Found>empty();
        }, Optional.empty());
    }

    /** Tells every replica to drop the credential's token that {@code digest} names. Blocks. */
    public void announce(String credential, String digest) {
        if (!redis.enabled()) {
            return;
        }
        redis.call("publish", () -> {
            List<String> tags = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                tags.add(keys.credentialTag(credential, i));
            }
            return command("PUBLISH", () -> redis.blocking().execute("PUBLISH", keys.eventsChannel(),
                    REJECT + String.join(",", tags) + ":" + digest));
        }, null);
    }

    /** A rejection announced by any replica, this one included. Runs on the event loop: Redis work goes to a worker. */
    void onEvent(String message) {
        int colon = message.lastIndexOf(':');
        if (colon <= REJECT.length()) {
            return;
        }
        Set<String> tags = Set.of(message.substring(REJECT.length(), colon).split(","));
        String digest = message.substring(colon + 1);
        for (String credential : credentials.names()) {
            Optional<List<Integer>> notNamed = keys.keysNotNamed(credential, tags);
            if (notNamed.isPresent()) {
                List<Integer> unnamed = notNamed.get();
                local.dropToken(credential, digest);
                if (!unnamed.isEmpty()) {
                    Infrastructure.getDefaultWorkerPool().execute(() -> redis.call("drop", () -> {
                        for (int i : unnamed) {
                            for (String name : members(credential, i)) {
                                dropIfNamed(name, i, digest);
                            }
                        }
                        return null;
                    }, null));
                }
            }
        }
    }

    private List<String> members(String credential, int index) {
        List<String> names = new ArrayList<>();
        String set = keys.credentialIndexName(credential, index);
        command("SMEMBERS", () -> redis.blocking().execute("SMEMBERS", set)).forEach(member -> names.add(member.toString()));
        return names;
    }

    private Optional<RedisTokens.Stored> read(String name, int index) {
        byte[] sealed = command("GET", () -> redis.values().get(name));
        return sealed == null ? Optional.empty() : tokens.unseal(sealed, name, index);
    }

    /** Deletes the value under {@code name} if it holds the token {@code digest} names and is unchanged since read. */
    private boolean dropIfNamed(String name, int index, String digest) {
        byte[] sealed = command("GET", () -> redis.values().get(name));
        if (sealed == null) {
            return false;
        }
        Optional<RedisTokens.Stored> stored = tokens.unseal(sealed, name, index);
        if (stored.isEmpty() || !TokenDigest.names(digest, stored.get().token())) {
            return false;
        }
        RedisDataSource ds = redis.blocking();
        return command("EVAL", () -> ds.execute("EVAL", DELETE_IF_UNCHANGED, "1", name, sha1(sealed))).toInteger() == 1;
    }

    private static String sha1(byte[] value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(value));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-1 unavailable", e);
        }
    }
}
