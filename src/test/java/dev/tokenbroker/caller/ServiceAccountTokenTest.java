package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.REPORTS_SERVICE_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jose.jwk.JWK;
import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kubernetes ServiceAccount tokens as callers, end to end: real RS256 and ES256 tokens made here, the cluster's
 * JWKS served over https (CA file, the broker's own token as bearer) by WireMock.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class ServiceAccountTokenTest extends ServiceAccountBrokerTest {

    @Inject
    MeterRegistry meters;

    @Test
    void serviceAccountTokenSignedWithRsaOrEcGetsAToken() {
        for (JWK key : new JWK[] {cluster.rsa, cluster.ec}) {
            as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(key).sign())
                    .queryParam("credential", "adobe-admin")
                    .when().get("/tokens")
                    .then().statusCode(200)
                    .body("credential", equalTo("adobe-admin"))
                    .body("scope", equalTo("AdobeID openid"));
        }
    }

    @Test
    void jwksWasReadOverHttpsWithTheClusterCaAndTheBrokersOwnToken() {
        // WireMock answers 401 to a read without the broker's token, and the TLS handshake needs the CA file.
        assertThat(jwks.problem()).isEmpty();
        assertThat(jwks.size()).isEqualTo(2);
        assertThat(cluster.jwksReads()).isPositive();
    }

    static Stream<Arguments> refusedTokens() {
        return Stream.of(
                refused("expired beyond the clock skew", c -> c.token(PAYMENTS_SERVICE_ACCOUNT)
                        .expiresAt(Instant.now().minus(Duration.ofMinutes(2))).sign()),
                refused("not valid yet beyond the clock skew", c -> c.token(PAYMENTS_SERVICE_ACCOUNT)
                        .notBefore(Instant.now().plus(Duration.ofMinutes(2))).sign()),
                refused("for another audience", c -> c.token(PAYMENTS_SERVICE_ACCOUNT).audience("vault", "https://kubernetes.default.svc").sign()),
                refused("living longer than max-token-lifetime (24h)", c -> c.token(PAYMENTS_SERVICE_ACCOUNT)
                        .expiresAt(Instant.now().plus(Duration.ofHours(24)).plusSeconds(60)).sign()),
                refused("from another issuer", c -> c.token(PAYMENTS_SERVICE_ACCOUNT).issuer("https://oidc.other-cluster.example").sign()),
                refused("signed by an unknown key", c -> c.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(Cluster.rsaKey("rogue")).sign()),
                refused("alg none", c -> c.token(PAYMENTS_SERVICE_ACCOUNT).unsigned()),
                refused("HS256", c -> c.token(PAYMENTS_SERVICE_ACCOUNT).hs256(new byte[32])),
                refused("tampered payload", c -> Cluster.withPayload(c.token(REPORTS_SERVICE_ACCOUNT).sign(),
                        c.token(PAYMENTS_SERVICE_ACCOUNT).claims().toString())),
                refused("sub not a ServiceAccount", c -> c.token(PAYMENTS_SERVICE_ACCOUNT).subject("system:node:worker-1").sign()),
                refused("ServiceAccount not in the callers file", c -> c.token("payments/other").sign()));
    }

    private static Arguments refused(String name, Function<Cluster, String> token) {
        return Arguments.of(name, token);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedTokens")
    void refusedTokenIsUnauthenticated(String name, Function<Cluster, String> token) {
        Problems.get(as(token.apply(cluster)), "/tokens?credential=adobe-admin", 401, "unauthenticated")
                .body("detail", equalTo(CallerRejected.DETAIL));
    }

    @Test
    void rememberedTokenIsNotVerifiedAgain() {
        String token = cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign();
        double verified = serviceAccountTokens("verified");
        double remembered = serviceAccountTokens("remembered");
        int reads = cluster.jwksReads();
        for (int i = 0; i < 3; i++) {
            as(token).queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200);
        }
        assertThat(serviceAccountTokens("verified") - verified).isEqualTo(1);
        assertThat(serviceAccountTokens("remembered") - remembered).isEqualTo(2);
        assertThat(cluster.jwksReads()).isEqualTo(reads);
    }

    @Test
    void newSigningKeyIsAcceptedOnceTheJwksIsReadAgain() {
        JWK next = Cluster.ecKey("ec-2");
        cluster.publish(cluster.rsa, cluster.ec, next);
        int reads = cluster.jwksReads();
        String token = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(next).sign();
        // An unknown kid reads the JWKS again, at most once per jwks-min-refresh-interval (1s here).
        await().atMost(Duration.ofSeconds(10)).until(() ->
                as(token).queryParam("credential", "adobe-admin").when().get("/tokens").statusCode() == 200);
        assertThat(cluster.jwksReads()).isGreaterThan(reads);
    }

    @Test
    void removedSigningKeyIsRefusedOnceTheJwksIsReadAgain() {
        String old = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(cluster.rsa).sign();
        as(old).queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200);

        JWK next = Cluster.rsaKey("rsa-2");
        cluster.publish(cluster.ec, next);
        String fresh = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(next).sign();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                as(fresh).queryParam("credential", "adobe-admin").when().get("/tokens").statusCode() == 200);

        Problems.get(as(old), "/tokens?credential=adobe-admin", 401, "unauthenticated")
                .body("detail", equalTo(CallerRejected.DETAIL));
        assertThat(serviceAccountTokens("unknown_signing_key")).isPositive();
    }

    @Test
    void serviceAccountWithoutAGrantIsForbiddenAlsoForCredentialsThatDoNotExist() {
        String reports = cluster.token(REPORTS_SERVICE_ACCOUNT).sign();
        Problems.get(as(reports), "/tokens?credential=adobe-admin", 403, "forbidden");
        Problems.get(as(reports), "/tokens?credential=does-not-exist", 403, "forbidden");
    }

    @Test
    void scopeOutsideTheServiceAccountsGrantIsForbidden() {
        Problems.get(as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign()),
                "/tokens?credential=adobe-admin&scope=openid,user_management_sdk", 403, "forbidden");
    }

    @Test
    void grantRemovedFromTheCallersFileIsRefusedOnTheNextRequest() throws Exception {
        String token = cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign();
        as(token).queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200);

        Files.writeString(callersFile, Fixtures.callersYaml().replace(
                "credential: adobe-admin\n        scopes: [openid, AdobeID]\n", "credential: other\n        scopes: [openid]\n"));
        await().until(() -> !callers.policy().byServiceAccount(PAYMENTS_SERVICE_ACCOUNT).orElseThrow().hasGrantFor("adobe-admin"));

        Problems.get(as(token), "/tokens?credential=adobe-admin", 403, "forbidden");
    }

    private double serviceAccountTokens(String result) {
        return meters.counter("tokenbroker.service_account.tokens", "result", result).count();
    }
}
