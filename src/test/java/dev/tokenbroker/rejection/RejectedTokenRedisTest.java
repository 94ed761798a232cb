package dev.tokenbroker.rejection;

import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisProcess;
import dev.tokenbroker.testing.RedisResource;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@link RejectedTokenCases} with Redis as the shared tier: the reported token is dropped there too. */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class RejectedTokenRedisTest extends RejectedTokenCases {

    @TestDependency
    RedisProcess redis;

    @Override
    protected void flushSharedCache() {
        redis.flushAll();
    }
}
