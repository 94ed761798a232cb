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
 * Stops start-up when a Redis password would cross the network in clear: {@code quarkus.redis.password}, or a
 * password in the URL, with a plaintext {@code redis://} host. Anyone on the path could read it, log in and read
 * or poison the shared cache. {@code rediss://} (TLS) is the fix; {@code tokenbroker.cache.allow-plaintext-redis=true}
 * accepts the risk, e.g. for a Redis on the same node or behind a mesh that encrypts. The message names hosts,
 * never the password.
 */
@ApplicationScoped
public class RedisSettingsCheck {

    private final boolean allowPlaintext;

    RedisSettingsCheck(TokenBrokerConfig config) {
        this.allowPlaintext = config.cache().allowPlaintextRedis();
    }

    /** Before anything connects to Redis. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        Config settings = ConfigProvider.getConfig();
        problem(settings.getOptionalValue("quarkus.redis.hosts", String.class),
                settings.getOptionalValue("quarkus.redis.password", String.class).filter(p -> !p.isEmpty()), allowPlaintext)
                .ifPresent(message -> {
                    throw new IllegalStateException(message);
                });
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
