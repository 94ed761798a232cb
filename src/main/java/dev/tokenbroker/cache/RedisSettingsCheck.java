package dev.tokenbroker.cache;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Stops start-up when the Redis settings cannot be safe: a Redis without an encryption key for the tokens, a
 * {@code quarkus.redis.username} that the client would ignore, or a Redis password that would cross the network in clear: {@code quarkus.redis.password}, or a
 * password in the URL, with a plaintext {@code redis://} host. Anyone on the path could read it, log in and read
 * or poison the shared cache. {@code rediss://} (TLS) is the fix; {@code tokenbroker.cache.allow-plaintext-redis=true}
 * accepts the risk, e.g. for a Redis on the same node or behind a mesh that encrypts. The message names hosts,
 * never the password.
 */
@ApplicationScoped
public class RedisSettingsCheck {

    private final boolean allowPlaintext;
    private final CacheKeys keys;

    RedisSettingsCheck(TokenBrokerConfig config, CacheKeys keys) {
        this.allowPlaintext = config.cache().allowPlaintextRedis();
        this.keys = keys;
    }

    /** Before anything connects to Redis. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        Config settings = ConfigProvider.getConfig();
        Optional<String> hosts = settings.getOptionalValue("quarkus.redis.hosts", String.class).filter(h -> !h.isBlank());
        requireEncryptionKey(hosts.isPresent(), keys.configured());
        requireNoUsernameSetting(settings.getOptionalValue("quarkus.redis.username", String.class).isPresent());
        problem(settings.getOptionalValue("quarkus.redis.hosts", String.class),
                settings.getOptionalValue("quarkus.redis.password", String.class).filter(p -> !p.isEmpty()), allowPlaintext)
                .ifPresent(message -> {
                    throw new IllegalStateException(message);
                });
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

    /** The broker refuses to start with Redis but without an encryption key. */
    static void requireEncryptionKey(boolean redisConfigured, boolean keyConfigured) {
        if (redisConfigured && !keyConfigured) {
            throw new IllegalStateException("quarkus.redis.hosts is set but tokenbroker.cache.encryption-key "
                    + "(env TOKENBROKER_CACHE_ENCRYPTION_KEY) is not: tokens in Redis must be encrypted; "
                    + CacheKeys.HOW_TO_MAKE_A_KEY);
        }
    }

    /** What is wrong with these settings, if a password would go over plaintext Redis. */
    static Optional<String> problem(Optional<String> hosts, Optional<String> password, boolean allowPlaintext) {
        if (allowPlaintext || hosts.isEmpty()) {
            return Optional.empty();
        }
        List<String> plaintext = new ArrayList<>();
        for (String host : hosts.get().split(",")) {
            URI uri = uri(host.strip());
            boolean passwordInUrl = uri != null && uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":");
            if (uri != null && "redis".equalsIgnoreCase(uri.getScheme()) && (password.isPresent() || passwordInUrl)) {
                plaintext.add("redis://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : ""));
            }
        }
        if (plaintext.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("A Redis password would cross the network in clear to " + String.join(", ", plaintext)
                + ": use rediss:// (Redis over TLS) in quarkus.redis.hosts, or set "
                + "tokenbroker.cache.allow-plaintext-redis=true to accept that risk");
    }

    private static URI uri(String host) {
        try {
            return URI.create(host);
        } catch (IllegalArgumentException e) {
            return null; // the Redis client reports a malformed URL itself
        }
    }
}
