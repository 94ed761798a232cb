package dev.tokenbroker.security;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.REPORTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWK;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Over a run of ServiceAccount tokens and static keys that succeed and fail in every way, with a JWKS rotation in
 * between, no log line (message or stack trace) and no answer holds a caller's JWT (nor its payload or signature
 * part), a caller key, the broker's own ServiceAccount token, or an access token.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class CallerCredentialLeakTest extends ServiceAccountBrokerTest {

    @Inject
    TokenBrokerConfig config;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void noCallerCredentialInAnyLogLineOrAnswer() throws Exception {
        List<String> jwts = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        List<String> accessTokens = new ArrayList<>();
        // Successes, first verified then remembered, and a static key.
        for (JWK key : new JWK[] {cluster.rsa, cluster.ec}) {
            String jwt = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(key).sign();
            jwts.add(jwt);
            accessTokens.add(send("Bearer " + jwt, 200, answers).path("access_token"));
            accessTokens.add(send("Bearer " + jwt, 200, answers).path("access_token"));
        }
        accessTokens.add(send("Bearer " + BILLING_KEY, 200, answers).path("access_token"));

        // Every way a JWT or a key fails.
        Instant now = Instant.now();
        jwts.addAll(List.of(
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).expiresAt(now.minus(Duration.ofMinutes(5))).sign(),
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).notBefore(now.plus(Duration.ofMinutes(5))).sign(),
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).audience("vault").sign(),
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).issuer("https://other.example").sign(),
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(Cluster.rsaKey("rogue")).sign(),
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).unsigned(),
                cluster.token(PAYMENTS_SERVICE_ACCOUNT).hs256(new byte[32]),
                Cluster.withPayload(cluster.token(REPORTS_SERVICE_ACCOUNT).sign(),
                        cluster.token(PAYMENTS_SERVICE_ACCOUNT).claims().toString()),
                cluster.token("payments/unlisted").sign()));
        for (String jwt : jwts.subList(2, jwts.size())) {
            send("Bearer " + jwt, 401, answers);
        }
        String reports = cluster.token(REPORTS_SERVICE_ACCOUNT).sign();
        jwts.add(reports);
        send("Bearer " + reports, 403, answers);
        send("Bearer not-" + OPS_KEY, 401, answers);
        send("Basic " + STRANGER_KEY, 401, answers);
        send("Bearer " + STRANGER_KEY, 403, answers);

        // Key rotation: a new key is read, the old one dropped.
        JWK next = Cluster.rsaKey("rsa-2");
        cluster.publish(cluster.ec, next);
        String fresh = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(next).sign();
        jwts.add(fresh);
        await().atMost(Duration.ofSeconds(10)).until(() -> sendAnyStatus("Bearer " + fresh, answers) == 200);
        send("Bearer " + jwts.get(0), 401, answers);
        List<String> forbidden = new ArrayList<>(List.of(BILLING_KEY, OPS_KEY, STRANGER_KEY,
                Files.readString(config.kubernetes().tokenFile()).strip()));
        for (String jwt : jwts) {
            String[] parts = jwt.split("\\.", -1);
            forbidden.add(jwt);
            forbidden.add(parts[1]);
            if (!parts[2].isEmpty()) {
                forbidden.add(parts[2]);
            }
        }
        forbidden.addAll(accessTokens);
        List<String> lines = logs.lines();
        assertThat(lines).as("log lines were captured").anyMatch(l -> l.contains("event=token_request"));
        assertThat(lines).anyMatch(l -> l.contains("event=jwks_loaded"));
        for (String secret : forbidden) {
            assertThat(lines).as("log lines").noneMatch(l -> l.contains(secret));
            assertThat(answers).as("answers").noneMatch(a -> a.contains(secret) && !a.contains("\"access_token\""));
        }
    }

    private static Response send(String authorization, int status, List<String> answers) {
        Response response = given().header("Authorization", authorization).queryParam("credential", "adobe-admin")
                .when().get("/tokens");
        answers.add(response.asString());
        response.then().statusCode(status);
        return response;
    }

    private static int sendAnyStatus(String authorization, List<String> answers) {
        Response response = given().header("Authorization", authorization).queryParam("credential", "adobe-admin")
                .when().get("/tokens");
        answers.add(response.asString());
        return response.statusCode();
    }
}
