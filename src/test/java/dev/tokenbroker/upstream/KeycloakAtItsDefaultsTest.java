package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.credential.ClientAuth;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.testing.ClientKeys;
import dev.tokenbroker.testing.Fixtures;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker against a real Keycloak whose realms and clients are made as its admin console makes them
 * ({@link KeycloakServer}) and left at Keycloak's defaults: access tokens of 5 minutes, a client secret, a certificate
 * imported on the client's "Keys" tab (Keycloak names its key itself), a JWKS URL whose key has no {@code kid}.
 * Nothing is bent to suit the broker (docs/providers.md#keycloak). Keycloak verifies each assertion and refuses a
 * {@code jti} it has seen, so mints succeeding one after another show that each assertion is new.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
@WithTestResource(KeycloakResource.class)
class KeycloakAtItsDefaultsTest extends PrivateUpstreamBrokerTest {

    /** Keycloak's default "Access Token Lifespan". */
    private static final long KEYCLOAK_DEFAULT_LIFESPAN = 300;

    @TestDependency
    KeycloakServer keycloak;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeEach
    void needsKeycloak() {
        assumeTrue(keycloak != null, "no Java 21+ JDK for Keycloak on this machine (KEYCLOAK_JAVA_HOME, /usr/lib/jvm)");
    }

    /**
     * A 5-minute token meets the default min_ttl (at most half its life) and is served from memory the second time:
     * Keycloak signs a new token for every request, so the same token twice is the cached one.
     */
    @Test
    void aSecretClientOfARealmAtItsDefaultsIsServedWithoutMinTtlAndThenFromMemory() throws Exception {
        String realm = "secret";
        keycloak.createRealm(realm);
        String id = keycloak.createServiceAccountClient(realm, ClientKeys.CLIENT_ID);
        String secret = keycloak.clientSecret(realm, id);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("client_id", ClientKeys.CLIENT_ID);
        files.put("client_secret", secret);
        files.put("token_url", keycloak.tokenUrl(realm));
        files.put("auth_method", "client_secret_basic");
        files.put("scope_separator", "space");
        files.put("scopes", "openid profile");
        files.put("default_scopes", "openid");
        secrets.write(IDP_A, files);
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.CLIENT_SECRET_BASIC).isPresent());
        logs.clear();

        String first = tokenFor(IDP_A).statusCode(200).extract().path("access_token");
        String second = tokenFor(IDP_A).statusCode(200).extract().path("access_token");

        JWTClaimsSet claims = SignedJWT.parse(first).getJWTClaimsSet();
        assertThat((claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()) / 1000)
                .as("Keycloak's own default lifespan, not raised").isEqualTo(KEYCLOAK_DEFAULT_LIFESPAN);
        assertThat(claims.getStringClaim("azp")).isEqualTo(ClientKeys.CLIENT_ID);
        assertThat(second).as("served from the cache").isEqualTo(first);
        List<String> audit = logs.messages("tokenbroker.audit");
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).contains(" tier=upstream ");
        assertThat(audit.get(1)).contains(" tier=memory ");

        given().header("Authorization", "Bearer " + Fixtures.OPS_KEY).queryParam("credential", IDP_A)
                .queryParam("min_ttl", KEYCLOAK_DEFAULT_LIFESPAN + 1).when().get("/tokens")
                .then().statusCode(400).body("code", equalTo("invalid_request"));
        assertThat(logs.lines()).allSatisfy(line -> assertThat(line).doesNotContain(secret).doesNotContain(first));
    }

    /**
     * The certificate imported as the admin console's "Import key" does: Keycloak knows the key by an id of its own,
     * so an assertion without {@code kid} is accepted, and one naming another {@code kid} (the RFC 7638 thumbprint,
     * which the broker sent by default before) is refused.
     */
    @Test
    void anImportedCertificateClientAcceptsTheBrokersAssertionsAndRefusesAReplayedOne() throws Exception {
        String realm = "imported";
        keycloak.createRealm(realm);
        String id = keycloak.createServiceAccountClient(realm, ClientKeys.CLIENT_ID);
        KeyPair keys = TestCa.rsaKeys(2048);
        TestCa.Issued issued = TestCa.create("keycloak client CA").issueClient(ClientKeys.CLIENT_ID, keys);
        keycloak.importCertificate(realm, id, issued.certificatePem());
        keycloak.useSignedJwt(realm, id);
        assertThat(keycloak.clientAttributes(realm, id).path("jwt.credential.certificate").asText()).isNotBlank();
        secrets.write(IDP_A, ClientKeys.credential(keycloak.tokenUrl(realm), "private_key_jwt", issued.keyPem(),
                Optional.of(issued.certificatePem()), Optional.empty()));
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.PRIVATE_KEY_JWT).isPresent());

        String first = tokenFor(IDP_A).statusCode(200).extract().path("access_token");
        localCache.clear();
        String second = tokenFor(IDP_A).statusCode(200).extract().path("access_token");

        assertThat(first).as("two mints, two tokens").isNotEqualTo(second);
        assertThat(SignedJWT.parse(first).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(ClientKeys.CLIENT_ID);

        Credential credential = credentials.get(IDP_A).orElseThrow();
        Map<String, String> form = new HashMap<>(ClientAuthenticator.of(credential, Clock.systemUTC()).get(0).authenticate().form());
        form.put("grant_type", "client_credentials");
        HttpResponse<String> accepted = keycloak.postToken(realm, form);
        HttpResponse<String> replayed = keycloak.postToken(realm, form);
        assertThat(accepted.statusCode()).as("the broker's assertion, sent once").isEqualTo(200);
        assertThat(replayed.statusCode()).as("the same assertion again").isEqualTo(400);
        assertThat(replayed.body()).contains("invalid_client");

        Map<String, String> withKid = ClientKeys.credential(keycloak.tokenUrl(realm), "private_key_jwt", issued.keyPem(),
                Optional.of(issued.certificatePem()), Optional.empty());
        withKid.put("key_id", new RSAKey.Builder((RSAPublicKey) keys.getPublic()).build().computeThumbprint().toString());
        secrets.write(IDP_A, withKid);
        await().until(() -> credentials.get(IDP_A).filter(c -> c.clientAuth() instanceof ClientAuth.PrivateKeyJwt jwt
                && jwt.keyId().isPresent()).isPresent());
        localCache.clear();
        tokenFor(IDP_A).statusCode(502).body("code", equalTo("upstream_rejected"));

        assertThat(logs.lines()).allSatisfy(line -> {
            assertThat(line).doesNotContain("-----BEGIN").doesNotContain(form.get("client_assertion"));
            ClientKeys.pemBodyLines(issued.keyPem()).forEach(body -> assertThat(line).doesNotContain(body));
        });
    }

    /** "Use JWKS URL" on, the URL serving the client's key as many JWKS publishers do: {@code use} but no {@code kid}. */
    @Test
    void aJwksUrlClientWhoseKeyHasNoKidAcceptsTheBrokersAssertions() throws Exception {
        KeyPair keys = TestCa.rsaKeys(2048);
        WireMockServer jwks = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        jwks.start();
        try {
            jwks.stubFor(get("/jwks").willReturn(okJson(new JWKSet(new RSAKey.Builder((RSAPublicKey) keys.getPublic())
                    .keyUse(KeyUse.SIGNATURE).build()).toString())));
            String realm = "jwks";
            keycloak.createRealm(realm);
            String id = keycloak.createServiceAccountClient(realm, ClientKeys.CLIENT_ID);
            keycloak.useJwksUrl(realm, id, "http://127.0.0.1:" + jwks.port() + "/jwks");
            keycloak.useSignedJwt(realm, id);
            secrets.write(IDP_A, ClientKeys.credential(keycloak.tokenUrl(realm), "private_key_jwt",
                    TestCa.pkcs8Pem(keys.getPrivate()), Optional.empty(), Optional.empty()));
            await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.PRIVATE_KEY_JWT).isPresent());

            String token = tokenFor(IDP_A).statusCode(200).extract().path("access_token");

            assertThat(SignedJWT.parse(token).getJWTClaimsSet().getStringClaim("azp")).isEqualTo(ClientKeys.CLIENT_ID);
            assertThat(jwks.getAllServeEvents()).as("Keycloak fetched the key from the JWKS URL").isNotEmpty();
        } finally {
            jwks.stop();
        }
    }
}
