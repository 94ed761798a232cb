package dev.tokenbroker.upstream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.testing.ClusterIssuer;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KeycloakResource;
import dev.tokenbroker.testing.KeycloakServer;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import dev.tokenbroker.testing.ProjectedToken;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code auth_method: federated} against a real Keycloak set up as its server admin guide says ("Kubernetes identity
 * providers"): a realm at its defaults, a Kubernetes identity provider whose issuer is a stand-in cluster
 * ({@link ClusterIssuer}: OpenID discovery, a JWKS, tokens shaped like projected ServiceAccount tokens), and a client
 * with "Signed JWT - Federated" naming that provider and the broker's ServiceAccount subject. The broker holds no
 * secret: its token file holds the ServiceAccount token with the realm URL as audience (docs/deploying.md,
 * "Federated credentials").
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
@WithTestResource(KeycloakResource.class)
class KeycloakFederatedTest extends PrivateUpstreamBrokerTest {

    private static final String REALM = "federated";
    private static final String CLIENT_ID = "token-broker";
    private static ClusterIssuer cluster;

    @TestDependency
    KeycloakServer keycloak;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    private ProjectedToken projected;
    private final List<String> tokens = new ArrayList<>();

    @BeforeEach
    void federatedRealm() {
        assumeTrue(keycloak != null, "no Java 21+ JDK for Keycloak on this machine (KEYCLOAK_JAVA_HOME, /usr/lib/jvm)");
        if (cluster == null) {
            cluster = ClusterIssuer.start();
            keycloak.createFederatedClient(REALM, "cluster", cluster.issuer(), CLIENT_ID, ProjectedToken.SUBJECT);
        }
        projected = ProjectedToken.in(cluster.cluster());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void servesATokenWithNoSecretHeld() throws Exception {
        tokens.add(projected.write(projected.issue(keycloak.realmUrl(REALM))));
        mountFederated();

        String accessToken = token().statusCode(200).extract().path("access_token");

        assertThat(SignedJWT.parse(accessToken).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(CLIENT_ID);
        assertThat(credentials.get(IDP_A).orElseThrow().clientSecret()).isEmpty();
        assertNoServiceAccountTokenLogged();
    }

    @Test
    void aRenewedTokenFileIsUsedWithoutARestart() {
        // The first token names the token endpoint as its audience, which Keycloak refuses: only the renewed file's
        // token can make the second mint succeed.
        tokens.add(projected.write(projected.issue(keycloak.tokenUrl(REALM))));
        mountFederated();
        token().statusCode(502);

        tokens.add(projected.write(projected.issue(keycloak.realmUrl(REALM))));
        token().statusCode(200);

        tokens.add(projected.write(projected.issue(keycloak.realmUrl(REALM))));
        localCache.clear();
        token().statusCode(200);
        assertNoServiceAccountTokenLogged();
    }

    @Test
    void anExpiredTokenInTheFileIsAClearRefusalAndTheCredentialIsReported() {
        tokens.add(projected.write(projected.issue(keycloak.realmUrl(REALM))));
        mountFederated();
        token().statusCode(200);

        tokens.add(projected.write(projected.expired(keycloak.realmUrl(REALM))));
        localCache.clear();
        token().statusCode(503).body("code", equalTo("upstream_unavailable"))
                .body("detail", containsString("federated token file holds a JWT that expired at"));

        assertThat(credentials.problems().get(IDP_A)).startsWith("file=federated_token_file problem=\"names "
                + projected.file() + ", which holds a JWT that expired at ");
        assertNoServiceAccountTokenLogged();
    }

    @Test
    void aTokenOfAnotherAudienceIsUpstreamRejected() {
        tokens.add(projected.write(projected.issue("https://not-this-realm.example/realms/" + REALM)));
        mountFederated();

        token().statusCode(502).body("code", equalTo("upstream_rejected"))
                .body("detail", containsString("invalid_client"));
        assertNoServiceAccountTokenLogged();
    }

    private void mountFederated() {
        secrets.write(IDP_A, Map.of("client_id", CLIENT_ID, "scopes", "profile email", "scope_separator", "space",
                "token_url", keycloak.tokenUrl(REALM), "auth_method", "federated",
                "federated_token_file", projected.file().toString()));
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.FEDERATED).isPresent());
    }

    /**
     * A token request with an explicit {@code min_ttl}: Keycloak at its defaults issues 5-minute tokens, longer than
     * the broker's default {@code min_ttl} (300 s) only once the default is bounded by half a token's life (issue 25,
     * item 1); 60 s holds before and after that change.
     */
    private static ValidatableResponse token() {
        return given().header("Authorization", "Bearer " + dev.tokenbroker.testing.Fixtures.OPS_KEY)
                .queryParam("credential", IDP_A).queryParam("min_ttl", 60).when().get("/tokens").then();
    }

    private void assertNoServiceAccountTokenLogged() {
        List<String> lines = logs.lines();
        assertThat(lines).isNotEmpty();
        for (String token : tokens) {
            String signature = token.substring(token.lastIndexOf('.') + 1);
            assertThat(lines).noneMatch(line -> line.contains(signature));
        }
    }
}
