package dev.tokenbroker.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.SecretMount;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The management port's readiness answer with the default settings (no {@code tokenbroker.health.details}):
 * status and counts, but no credential name, no file problem and no Redis error, whoever asks. The broker has a
 * Redis that refuses connections and, during the test, a credential with a broken file.
 */
@QuarkusTest
@TestProfile(QuietReadinessTest.RefusingRedis.class)
@WithTestResource(ImsResource.class)
class QuietReadinessTest {

    private static final String BROKEN = "broken-credential";
    /** Redis on a port where nothing listens (1, which no test and no unprivileged process can bind). */
    public static class RefusingRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:1",
                    "tokenbroker.cache.encryption-key", Base64.getEncoder().encodeToString(new byte[32]),
                    "tokenbroker.cache.redis-check-interval", "1s");
        }
    }

    @TestDependency
    SecretMount secrets;

    @Inject
    CredentialRegistry credentials;

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @AfterEach
    void removeBrokenCredential() throws Exception {
        secrets.remove(BROKEN);
    }

    @Test
    void readinessGivesStatusAndCountsButNoNamesNorErrors() throws Exception {
        Map<String, String> broken = Fixtures.adobeAdmin("http://localhost:1/token");
        broken.remove("client_secret");
        secrets.write(BROKEN, broken);
        await().until(() -> credentials.problems().containsKey(BROKEN));

        String body = RestAssured.given().get(readiness).then().statusCode(200).extract().asString();
        JsonPath json = JsonPath.from(body);
        assertThat(json.getString("status")).isEqualTo("UP");
        assertThat(json.getInt("checks[0].data.credentials")).isEqualTo(1);
        assertThat(json.getInt("checks[0].data.credentials-invalid")).isEqualTo(1);
        assertThat(json.getString("checks[0].data.cache")).isEqualTo("memory (redis unavailable)");
        assertThat(json.getString("checks[0].data.redis")).isEqualTo("unavailable");
        assertThat(json.getString("checks[0].data.callers")).isEqualTo("ok");
        assertThat(json.getString("checks[0].data.service-account-callers")).as("ServiceAccount callers, no issuer")
                .isEqualTo("2 whose ServiceAccount tokens cannot be verified: tokenbroker.kubernetes.issuer and jwks-url"
                        + " are not both set");
        assertThat(body).doesNotContain(Fixtures.CREDENTIAL).doesNotContain(BROKEN).doesNotContain("client_secret")
                .doesNotContain("127.0.0.1").doesNotContainIgnoringCase("refused")
                .doesNotContainIgnoringCase("exception").doesNotContain("file=");
    }
}
