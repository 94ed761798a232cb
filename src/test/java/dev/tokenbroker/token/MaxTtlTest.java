package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.ImsResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code tokenbroker.tokens.max-ttl} caps what callers are told, not the token itself. */
@QuarkusTest
@TestProfile(MaxTtlTest.TenMinutes.class)
@WithTestResource(ImsResource.class)
class MaxTtlTest extends BrokerTest {

    public static class TenMinutes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tokenbroker.tokens.max-ttl", "600s");
        }
    }

    @Test
    void expiresInAndExpiresAtAreCappedByMaxTtl() {
        JsonPath first = as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200).body("expires_in", equalTo(600)).extract().jsonPath();
        long toExpiry = Duration.between(Instant.now(), Instant.parse(first.getString("expires_at"))).toSeconds();
        assertThat(toExpiry).isBetween(595L, 600L);
        // The same token keeps being served: the cap changes what callers are told, not the cache.
        as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200).body("access_token", equalTo(first.getString("access_token")));
    }
}
