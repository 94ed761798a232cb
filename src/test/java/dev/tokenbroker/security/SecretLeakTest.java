package dev.tokenbroker.security;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Over a run that exercises successes and every kind of error, no log line (message or stack trace), and no
 * error body, holds a client secret, a caller key or an access token.
 */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class SecretLeakTest extends RedisBrokerTest {

    private final List<String> bodies = new ArrayList<>();
    private final List<String> tokens = new ArrayList<>();
    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void noSecretKeyOrTokenInAnyLogLineOrErrorBody() throws Exception {
        // Successes, from both tiers.
        tokens.add(token(OPS_KEY, "openid"));
        tokens.add(token(BILLING_KEY, "openid"));
        localCache.clear();
        tokens.add(token(OPS_KEY, "openid"));

        // Callers that fail to authenticate or lack grants.
        bodies.add(get("Bearer not-a-key-" + OPS_KEY.substring(3), "adobe-admin"));
        bodies.add(get("Basic " + BILLING_KEY, "adobe-admin"));
        bodies.add(get("Bearer " + STRANGER_KEY, "adobe-admin"));
        bodies.add(get("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." + OPS_KEY, "adobe-admin"));

        // The identity provider refuses, echoing the secret in its description, then fails, then throttles.
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(
                Ims.error(400, "invalid_client", "invalid client_secret parameter " + Fixtures.CLIENT_SECRET)));
        bodies.add(getScope(OPS_KEY, "AdobeID"));
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(500, "server_error", "oops")));
        bodies.add(getScope(OPS_KEY, "AdobeID"));
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(429, "too_many_requests", "slow").withHeader("Retry-After", "0")));
        bodies.add(getScope(OPS_KEY, "AdobeID"));

        // Rotation through client_secret_next after invalid_client (with the breaker the failures opened closed).
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll();
        secrets.update(Fixtures.CREDENTIAL, "client_secret_next", Fixtures.CLIENT_SECRET_NEXT);
        await().until(() -> credentials.get(Fixtures.CREDENTIAL).flatMap(c -> c.clientSecretNext()).isPresent());
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().atPriority(10).willReturn(Ims.invalidClient()));
        ims.stubFor(Ims.tokenRequest().atPriority(1).withFormParam("client_secret",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo(Fixtures.CLIENT_SECRET_NEXT)).willReturn(Ims.token(86399)));
        tokens.add(token(OPS_KEY, "AdobeID"));

        // Broken files whose content is a secret or a key.
        secrets.update(Fixtures.CREDENTIAL, "auth_method", Fixtures.CLIENT_SECRET);
        await().until(() -> credentials.problems().containsKey(Fixtures.CREDENTIAL));
        Files.writeString(callersFile, "callers:\n  - name: billing\n    api-key: " + BILLING_KEY + "\n");
        await().until(() -> callers.problem().isPresent());

        List<String> lines = logs.lines();
        List<String> forbidden = new ArrayList<>(List.of(Fixtures.CLIENT_SECRET, Fixtures.CLIENT_SECRET_NEXT,
                BILLING_KEY, OPS_KEY, STRANGER_KEY));
        forbidden.addAll(tokens);
        assertThat(lines).as("log lines were captured").anyMatch(l -> l.contains("event=upstream_rejected"));
        assertThat(lines).anyMatch(l -> l.contains("event=credential_invalid"));
        for (String secret : forbidden) {
            assertThat(lines).as("log lines").noneMatch(l -> l.contains(secret));
            assertThat(bodies).as("error bodies").noneMatch(b -> b.contains(secret));
        }
    }

    private static String token(String key, String scope) {
        return as(key).queryParam("credential", "adobe-admin").queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }

    private static String get(String authorization, String credential) {
        return given().header("Authorization", authorization).queryParam("credential", credential)
                .when().get("/tokens").then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400))
                .extract().asString();
    }

    private static String getScope(String key, String scope) {
        return as(key).queryParam("credential", "adobe-admin").queryParam("scope", scope)
                .when().get("/tokens").then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(500))
                .extract().asString();
    }
}
