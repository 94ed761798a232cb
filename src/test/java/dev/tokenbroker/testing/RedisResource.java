package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Starts a private {@code redis-server} on a free port and points the broker's shared cache at it. */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    private RedisProcess redis;

    @Override
    public Map<String, String> start() {
        redis = new RedisProcess(List.of());
        redis.start();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Map.of(
                "quarkus.redis.hosts", redis.uri(),
                "tokenbroker.cache.encryption-key", Base64.getEncoder().encodeToString(key));
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(redis, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, RedisProcess.class));
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.stop();
        }
    }
}
