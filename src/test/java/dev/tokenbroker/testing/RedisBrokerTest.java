package dev.tokenbroker.testing;

/** A {@link BrokerTest} whose broker shares its tokens through a private Redis, emptied before each test. */
public abstract class RedisBrokerTest extends BrokerTest {

    @TestDependency
    protected RedisProcess redis;

    @Override
    protected void flushSharedCache() {
        redis.flushAll();
    }
}
