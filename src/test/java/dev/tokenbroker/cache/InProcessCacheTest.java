package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/** The embedded default: no Redis configured, tokens cached in process. */
@QuarkusTest
@WithTestResource(ImsResource.class)
class InProcessCacheTest extends BrokerTest {

    @Inject
    RedisAvailability redisStore;

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @Test
    void servesRepeatedRequestsFromTheProcessWithoutRedis() {
        assertThat(redisStore.enabled()).isFalse();
        String first = token();
        assertThat(token()).isEqualTo(first);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        io.restassured.RestAssured.given().when().get(readiness)
                .then().statusCode(200).body("checks[0].data.cache", Matchers.equalTo("memory"));
    }

    private static String token() {
        return as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
