package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.REPORTS_SERVICE_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.OidcIssuer;
import dev.tokenbroker.testing.OidcIssuerResource;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import dev.tokenbroker.testing.TestDependency;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Callers from two clusters (docs/configuration.md, Callers from several clusters): the default cluster, its JWKS
 * over https from the "API server" ({@link KubernetesJwksResource}, which is sent the broker's token), and cluster
 * {@code east}, an https issuer with a private CA whose keys are found through its OpenID discovery document
 * ({@link OidcIssuerResource}). Each cluster has its own keys; a ServiceAccount is trusted only with its cluster.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
@WithTestResource(OidcIssuerResource.class)
class SeveralClustersTest extends ServiceAccountBrokerTest {

    private static final String EAST_ENTRIES = """
              - name: east-payments
                service-account: payments/billing
                cluster: east
                grants:
                  - credential: adobe-admin
                    scopes: [openid]
              - name: east-only
                service-account: payments/east-only
                cluster: east
                grants:
                  - credential: adobe-admin
                    scopes: ["*"]
            """;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @TestDependency
    OidcIssuer east;

    @Inject
    TrustedClusters clusters;

    @Inject
    CallerAuthenticator authenticator;

    @Inject
    MeterRegistry meters;

    @AfterEach
    void restoreDiscovery() {
        east.serveDiscovery();
        east.cluster().publishDefaultKeys();
        eastKeys().refresh("test");
    }

    @Test
    void eachClustersTokenIsTheCallerOfItsOwnEntry() throws Exception {
        listEastCallers();
        String home = cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign();
        String away = east.cluster().token(PAYMENTS_SERVICE_ACCOUNT).sign();
        assertThat(authenticator.authenticate(List.of("Bearer " + home)).name()).isEqualTo("payments");
        assertThat(authenticator.authenticate(List.of("Bearer " + away)).name()).isEqualTo("east-payments");
        as(home).queryParam("credential", "adobe-admin").queryParam("scope", "AdobeID").when().get("/tokens")
                .then().statusCode(200);
        as(away).queryParam("credential", "adobe-admin").queryParam("scope", "openid").when().get("/tokens")
                .then().statusCode(200);
        // east-payments holds openid only: the default cluster's grant of AdobeID is not its.
        Problems.get(as(away), "/tokens?credential=adobe-admin&scope=AdobeID", 403, "forbidden");
    }

    @Test
    void aServiceAccountOfOneClusterIsNotTheSameNameOfAnother() throws Exception {
        // Only the default cluster lists payments/billing: east's payments/billing is nobody.
        String away = east.cluster().token(PAYMENTS_SERVICE_ACCOUNT).sign();
        Problems.get(as(away), "/tokens?credential=adobe-admin", 401, "unauthenticated");
        listEastCallers();
        Problems.get(as(east.cluster().token(REPORTS_SERVICE_ACCOUNT).sign()), "/tokens?credential=other", 401,
                "unauthenticated");
        Problems.get(as(cluster.token("payments/east-only").sign()), "/tokens?credential=adobe-admin", 401,
                "unauthenticated");
        as(east.cluster().token("payments/east-only").sign()).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200);
    }

    @Test
    void aTokenSignedWithTheOtherClustersKeyIsRefused() throws Exception {
        listEastCallers();
        String forged = east.cluster().token(PAYMENTS_SERVICE_ACCOUNT).signedWith(cluster.rsa).kid(east.cluster().rsa.getKeyID()).sign();
        Problems.get(as(forged), "/tokens?credential=adobe-admin", 401, "unauthenticated");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "500 | 500 | {}                                  | discovery document answered HTTP 500",
        "a redirect, not followed | 302 | {}             | discovery document answered HTTP 302",
        "not JSON | 200 | <html>                         | discovery document is not JSON",
        "no jwks_uri | 200 | {\"issuer\":\"ISSUER\"}      | discovery document has no jwks_uri",
        "http jwks_uri | 200 | {\"issuer\":\"ISSUER\",\"jwks_uri\":\"http://localhost:1/keys\"} | discovery document's jwks_uri is not https",
        "another issuer | 200 | {\"issuer\":\"https://evil.example\",\"jwks_uri\":\"https://localhost:1/keys\"} | discovery document names another issuer",
    })
    void aBrokenDiscoveryDocumentKeepsTheLastGoodKeysAndIsReported(String name, int status, String body, String problem)
            throws Exception {
        listEastCallers();
        assertThat(eastKeys().size()).isEqualTo(2);
        double errors = errors();
        east.serveDiscovery(status, body.replace("ISSUER", east.issuer()));
        assertThat(eastKeys().refresh("test")).isFalse();
        assertThat(eastKeys().problem()).hasValueSatisfying(p -> assertThat(p)
                .isEqualTo("cluster east: JWKS " + problem + "; keeping 2 keys read before"));
        assertThat(clusters.problem()).hasValueSatisfying(p -> assertThat(p).contains("cluster east: JWKS " + problem));
        assertThat(errors()).isEqualTo(errors + 1);
        assertThat(logs.lines()).anySatisfy(line -> assertThat(line)
                .contains("event=jwks_unavailable cluster=east", "trigger=test", problem));
        as(east.cluster().token(PAYMENTS_SERVICE_ACCOUNT).signedWith(east.cluster().ec).sign())
                .queryParam("credential", "adobe-admin").queryParam("scope", "openid").when().get("/tokens")
                .then().statusCode(200);

        east.serveDiscovery();
        assertThat(eastKeys().refresh("test")).isTrue();
        assertThat(eastKeys().problem()).isEmpty();
    }

    @Test
    void keysThatTheOtherClusterRotatesInAreFoundThroughDiscovery() throws Exception {
        listEastCallers();
        com.nimbusds.jose.jwk.JWK next = dev.tokenbroker.testing.Cluster.rsaKey("east-rsa-2");
        east.cluster().publish(east.cluster().ec, next);
        String fresh = east.cluster().token(PAYMENTS_SERVICE_ACCOUNT).signedWith(next).sign();
        await().until(() -> as(fresh).queryParam("credential", "adobe-admin").queryParam("scope", "openid")
                .when().get("/tokens").statusCode() == 200);
    }

    @Test
    void theOtherClustersHostNeverGetsTheBrokersOwnToken() throws Exception {
        // The default cluster's JWKS host is sent the broker's token (send-token=true); east's never is.
        eastKeys().refresh("test");
        assertThat(east.discoveryReads()).isPositive();
        assertThat(east.cluster().jwksReads()).isPositive();
        assertThat(east.requestsWithAuthorization()).isZero();
        assertThat(jwks.problem()).isEmpty();
    }

    @Test
    void noLogLineHoldsACallersToken() throws Exception {
        listEastCallers();
        String away = east.cluster().token(PAYMENTS_SERVICE_ACCOUNT).sign();
        as(away).queryParam("credential", "adobe-admin").queryParam("scope", "openid").when().get("/tokens")
                .then().statusCode(200);
        String refused = east.cluster().token("payments/nobody").sign();
        Problems.get(as(refused), "/tokens?credential=adobe-admin", 401, "unauthenticated");
        east.serveDiscovery(503, "{}");
        eastKeys().refresh("test");
        assertThat(logs.lines()).isNotEmpty().allSatisfy(line -> assertThat(line)
                .doesNotContain(away).doesNotContain(away.split("\\.")[2])
                .doesNotContain(refused).doesNotContain(refused.split("\\.")[2]));
    }

    private JwksStore eastKeys() {
        return clusters.byIssuer(east.issuer()).orElseThrow().keys();
    }

    private double errors() {
        return meters.counter("tokenbroker.jwks.reads", "cluster", "east", "trigger", "test", "result", "error").count();
    }

    private void listEastCallers() throws Exception {
        Files.writeString(callersFile, Fixtures.callersYaml() + EAST_ENTRIES);
        await().until(() -> callers.policy().byServiceAccount(Optional.of("east"), "payments/east-only").isPresent());
    }
}
