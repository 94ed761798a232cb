package dev.tokenbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.runtime.datasource.BlockingRedisDataSourceImpl;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A {@link BrokerTest} whose broker shares its tokens through a private Redis, emptied before each test. On a
 * secured Redis (see {@link RedisResource}), where the broker's own user may run only its own commands, the test
 * looks at Redis as the helper's admin user, and fails if Redis denied the broker anything.
 */
public abstract class RedisBrokerTest extends BrokerTest {

    private static final Map<Integer, RedisDataSource> ADMIN_VIEWS = new ConcurrentHashMap<>();

    @TestDependency
    protected RedisProcess redis;

    @Inject
    Instance<RedisDataSource> redisClient;

    @Inject
    Vertx vertx;

    /** A client to look at what the broker wrote: the broker's own, or the admin's on a secured Redis. */
    protected RedisDataSource redisData;

    @BeforeEach
    void redisClient() {
        // lazily: the bean is inactive in apps without Redis
        redisData = redis.certificates() == null ? redisClient.get()
                : ADMIN_VIEWS.computeIfAbsent(redis.port(), port -> adminView());
    }

    private RedisDataSource adminView() {
        RedisOptions options = new RedisOptions().setConnectionString(redis.uri(RedisProcess.ADMIN))
                .setPassword(redis.adminPassword());
        options.getNetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("HTTPS")
                .setTrustOptions(new PemTrustOptions().addCertPath(redis.certificates().ca().toString()));
        Redis client = Redis.createClient(vertx, options);
        return new BlockingRedisDataSourceImpl(vertx, client, RedisAPI.api(client), Duration.ofSeconds(10));
    }

    @BeforeEach
    void forgetAclDenials() {
        if (redis.certificates() != null) {
            redis.command("ACL", "LOG", "RESET");
        }
    }

    /** On a secured Redis, the broker's ACL user was denied nothing: it needs no more than the ACL line in docs/security.md. */
    @AfterEach
    void noAclDenials() {
        if (redis.certificates() != null && !expectsAclDenials()) {
            assertThat(redis.command("ACL", "LOG")).as("commands and keys Redis denied the broker (ACL LOG)").isEmpty();
        }
    }

    /** Overridden by tests that narrow the broker's rights on purpose. */
    protected boolean expectsAclDenials() {
        return false;
    }

    @Override
    protected void flushSharedCache() {
        redis.flushAll();
    }
}
