package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.testing.ClientKeys;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KeycloakResource;
import dev.tokenbroker.testing.KeycloakServer;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import dev.tokenbroker.testing.TestCa;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker's client assertions against a real Keycloak, whose client authenticator is "Signed JWT" with the
 * client's certificate: Keycloak verifies each signature and refuses a {@code jti} it has seen, so the broker's
 * mints succeeding one after another shows that each assertion is new, and a replayed one is refused.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
@WithTestResource(KeycloakResource.class)
class KeycloakClientAssertionTest extends PrivateUpstreamBrokerTest {

    private static final String REALM = "broker";

    @TestDependency
    KeycloakServer keycloak;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void keycloakAcceptsTheBrokersAssertionsAndRefusesAReplayedOne() throws Exception {
        assumeTrue(keycloak != null, "no Java 21+ JDK for Keycloak on this machine (KEYCLOAK_JAVA_HOME, /usr/lib/jvm)");
        KeyPair keys = TestCa.rsaKeys(2048);
        TestCa.Issued issued = TestCa.create("keycloak client CA").issueClient(ClientKeys.CLIENT_ID, keys);
        String thumbprint = new RSAKey.Builder((RSAPublicKey) keys.getPublic()).build().computeThumbprint().toString();
        keycloak.createSignedJwtClient(REALM, ClientKeys.CLIENT_ID, issued.certificate(), thumbprint);
        secrets.write(IDP_A, ClientKeys.credential(keycloak.tokenUrl(REALM), "private_key_jwt", issued.keyPem(),
                Optional.of(issued.certificatePem()), Optional.empty()));
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.PRIVATE_KEY_JWT).isPresent());

        String first = tokenFor(IDP_A).statusCode(200).extract().path("access_token");
        localCache.clear();
        String second = tokenFor(IDP_A).statusCode(200).extract().path("access_token");

        assertThat(first).as("two mints, two tokens").isNotEqualTo(second);
        assertThat(SignedJWT.parse(first).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(ClientKeys.CLIENT_ID);

        Credential credential = credentials.get(IDP_A).orElseThrow();
        Map<String, String> form = new java.util.HashMap<>(
                ClientAuthenticator.of(credential, Clock.systemUTC()).get(0).authenticate().form());
        form.put("grant_type", "client_credentials");
        HttpResponse<String> accepted = keycloak.postToken(REALM, form);
        HttpResponse<String> replayed = keycloak.postToken(REALM, form);

        assertThat(accepted.statusCode()).as("the broker's assertion, sent once").isEqualTo(200);
        assertThat(replayed.statusCode()).as("the same assertion again").isEqualTo(400);
        assertThat(replayed.body()).contains("invalid_client");
        assertThat(logs.lines()).allSatisfy(line -> {
            assertThat(line).doesNotContain("-----BEGIN").doesNotContain(form.get("client_assertion"));
            ClientKeys.pemBodyLines(issued.keyPem()).forEach(body -> assertThat(line).doesNotContain(body));
        });
    }
}
