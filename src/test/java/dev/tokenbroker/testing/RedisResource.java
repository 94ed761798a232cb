package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Starts a private {@code redis-server} on a free port and points the broker's shared cache at it. With
 * {@code -Dtest-redis=secured} every test that uses it runs against a {@linkplain SecuredRedisResource
 * secured} one instead: TLS only, as docs/security.md's least-privilege ACL user.
 */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    private RedisProcess redis;

    /** Whether this resource starts a secured Redis. */
    protected boolean secured() {
        return "secured".equals(System.getProperty("test-redis"));
    }

    @Override
    public Map<String, String> start() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        // A Redis that refused the broker or hung is checked again every second, not every 30. The tests read
        // Redis's problems from the readiness answer, which quotes them only with health details on.
        Map<String, String> settings = new HashMap<>(Map.of(
                "tokenbroker.cache.encryption-key", Base64.getEncoder().encodeToString(key),
                "tokenbroker.cache.redis-check-interval", "1s",
                "tokenbroker.health.details", "true"));
        if (!secured()) {
            redis = new RedisProcess(List.of());
            redis.start();
            settings.put("quarkus.redis.hosts", redis.uri());
            return settings;
        }
        String password = UUID.randomUUID().toString();
        redis = RedisProcess.secured(RedisCertificates.create("DNS:localhost", "IP:127.0.0.1"),
                Map.of(RedisAcl.USER, RedisAcl.rules(password)));
        redis.start();
        System.out.println("RedisResource: TLS-only redis-server at " + redis.uri() + ", broker as ACL user " + RedisAcl.USER);
        // The settings the Helm chart sets as QUARKUS_REDIS_HOSTS, _PASSWORD, _TLS_CONFIGURATION_NAME and
        // QUARKUS_TLS__REDIS__TRUST_STORE_PEM_CERTS.
        settings.putAll(Map.of(
                "quarkus.redis.hosts", redis.uri(RedisAcl.USER),
                "quarkus.redis.password", password,
                "quarkus.redis.tls-configuration-name", "redis",
                "quarkus.tls.\"redis\".trust-store.pem.certs", redis.certificates().ca().toString()));
        return settings;
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
