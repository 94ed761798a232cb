package dev.tokenbroker.testing;

import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

/** A {@link BrokerTest} whose broker shares its tokens through a private Redis, emptied before each test. */
public abstract class RedisBrokerTest extends BrokerTest {

    @TestDependency
    protected RedisProcess redis;

    @Inject
    Instance<RedisDataSource> redisClient;

    /** The broker's own Redis client, to look at what it wrote. */
    protected RedisDataSource redisData;

    @BeforeEach
    void redisClient() {
        redisData = redisClient.get(); // lazily: the bean is inactive in apps without Redis
    }

    @Override
    protected void flushSharedCache() {
        redis.flushAll();
    }
}
