package dev.tokenbroker.oauth;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.quarkus.oidc.client.OidcClient;
import io.quarkus.oidc.client.OidcClients;
import io.quarkus.oidc.client.runtime.OidcClientConfig;
import io.quarkus.oidc.client.Tokens;
import io.quarkus.oidc.common.runtime.config.OidcClientCommonConfig.Credentials.Secret.Method;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The broker's OAuth entry points through the client libraries apps already use, configured only with the broker's
 * token URL, a client id and the caller's key (or ServiceAccount token): Nimbus oauth2-oidc-sdk, Quarkus's OIDC
 * client, and Python Authlib in its own process (skipped, with a message, where Debian's python3-authlib is not
 * installed; {@code .ci/run} installs it).
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class OAuthClientLibrariesTest extends ServiceAccountBrokerTest {

    /** Debian's interpreter, which python3-authlib installs into (a python3 elsewhere on the PATH may lack it). */
    static final Path PYTHON = Path.of("/usr/bin/python3");

    @TestHTTPResource("/oauth2/token")
    URL tokenUrl;

    @Inject
    OidcClients oidcClients;

    @Test
    void nimbusGetsATokenWithClientSecretBasic() throws Exception {
        AccessTokenResponse answer = nimbus(new ClientSecretBasic(new ClientID(Fixtures.CLIENT_ID), new Secret(BILLING_KEY)),
                new Scope("openid", "user_management_sdk"), Map.of()).toSuccessResponse();
        assertThat(answer.getTokens().getBearerAccessToken().getValue()).startsWith("eyJ");
        assertThat(answer.getTokens().getAccessToken().getScope()).isEqualTo(new Scope("openid", "user_management_sdk"));
        assertThat(answer.getTokens().getAccessToken().getLifetime()).isBetween(86380L, 86399L);
    }

    @Test
    void nimbusGetsTheSameTokenWithClientSecretPost() throws Exception {
        String basic = nimbus(new ClientSecretBasic(new ClientID("adobe-admin"), new Secret(OPS_KEY)), new Scope("openid"), Map.of())
                .toSuccessResponse().getTokens().getAccessToken().getValue();
        String post = nimbus(new ClientSecretPost(new ClientID("adobe-admin"), new Secret(BILLING_KEY)), new Scope("openid"), Map.of())
                .toSuccessResponse().getTokens().getAccessToken().getValue();
        assertThat(post).isEqualTo(basic);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void nimbusGetsATokenWithTheServiceAccountTokenAsClientAssertion() throws Exception {
        SignedJWT serviceAccountToken = SignedJWT.parse(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign());
        // RFC 7523 makes client_id optional; the broker needs it to know the credential.
        AccessTokenResponse answer = nimbus(new PrivateKeyJWT(serviceAccountToken), null,
                Map.of("client_id", List.of("adobe-admin"))).toSuccessResponse();
        assertThat(answer.getTokens().getAccessToken().getScope()).isEqualTo(new Scope("AdobeID", "openid"));
    }

    @Test
    void nimbusReadsARefusedSecretAsInvalidClient() throws Exception {
        TokenResponse answer = nimbus(new ClientSecretBasic(new ClientID("adobe-admin"), new Secret("tb-not-a-key-123")),
                null, Map.of());
        ErrorObject error = answer.toErrorResponse().getErrorObject();
        assertThat(error.getCode()).isEqualTo("invalid_client");
        assertThat(error.getHTTPStatusCode()).isEqualTo(401);
    }

    /**
     * Node openid-client, refused: a scope beyond the caller's grant is reported to the app as {@code invalid_scope},
     * and a credential the caller holds no grant for as {@code unauthorized_client}, never as bad client credentials
     * (skipped, with a message, where {@code npm ci} in src/test/node has not run; {@code .ci/run} runs it).
     */
    @Test
    void nodeOpenidClientReportsAScopeBeyondTheGrantAsInvalidScope() throws Exception {
        assumeTrue(Files.isDirectory(NODE_CLIENTS.resolve("node_modules/openid-client")),
                "Node openid-client is not installed (npm ci --prefix src/test/node, as .ci/run does): skipped");
        // billing holds openid, AdobeID and user_management_sdk of adobe-admin; read_organizations is the credential's
        JsonNode beyond = node("adobe-admin", BILLING_KEY, "openid read_organizations");
        assertThat(beyond.get("error").asText()).isEqualTo("invalid_scope");
        assertThat(beyond.get("status").asInt()).isEqualTo(400);
        assertThat(beyond.get("error_description").asText()).isEqualTo("No grant for scopes: read_organizations.");
        JsonNode ungranted = node("adobe-admin", Fixtures.STRANGER_KEY, "openid");
        assertThat(ungranted.get("error").asText()).isEqualTo("unauthorized_client");
        assertThat(ungranted.get("status").asInt()).isEqualTo(400);
        assertThat(Ims.tokenRequests(ims)).isZero();
    }

    static final Path NODE_CLIENTS = Path.of("src/test/node");

    private JsonNode node(String clientId, String secret, String scope) throws Exception {
        Run run = run(List.of("node", NODE_CLIENTS.resolve("openid_client_refusal.mjs").toString(),
                tokenUrl.toString().replace("/oauth2/token", ""), clientId, secret, scope));
        assertThat(run.exit).as("node exited with: %s", run.output).isZero();
        assertThat(run.output).doesNotContain(secret);
        return new ObjectMapper().readTree(run.output);
    }

    @Test
    void quarkusOidcClientGetsATokenWithEitherSecretMethod() {
        String basic = quarkusOidcClient(Method.BASIC, BILLING_KEY);
        String post = quarkusOidcClient(Method.POST, OPS_KEY);
        assertThat(basic).startsWith("eyJ").isEqualTo(post);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void pythonAuthlibGetsATokenWithEitherSecretMethod() throws Exception {
        JsonNode basic = authlib(Fixtures.CLIENT_ID, BILLING_KEY, "client_secret_basic", "openid AdobeID");
        JsonNode post = authlib("adobe-admin", OPS_KEY, "client_secret_post", "openid AdobeID");
        assertThat(basic.get("access_token").asText()).startsWith("eyJ").isEqualTo(post.get("access_token").asText());
        assertThat(basic.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(basic.get("scope").asText()).isEqualTo("AdobeID openid");
        assertThat(basic.get("expires_in").asLong()).isBetween(86380L, 86399L);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    private TokenResponse nimbus(ClientAuthentication client, Scope scope, Map<String, List<String>> extra) throws Exception {
        TokenRequest request = new TokenRequest(tokenUrl.toURI(), client, new ClientCredentialsGrant(), scope, null, extra);
        return TokenResponse.parse(request.toHTTPRequest().send());
    }

    /** A Quarkus OIDC client made as an app configures one: no discovery, the broker's token path, a client secret. */
    private String quarkusOidcClient(Method method, String key) {
        OidcClientConfig config = OidcClientConfig.builder()
                .id("broker-" + method.name().toLowerCase())
                .authServerUrl(tokenUrl.toString().replace("/oauth2/token", ""))
                .discoveryEnabled(false)
                .tokenPath("/oauth2/token")
                .clientId("adobe-admin")
                .credentials().clientSecret(key, method).end()
                .scopes("openid", "AdobeID")
                .build();
        OidcClient client = oidcClients.newClient(config).await().atMost(Duration.ofSeconds(30));
        try {
            Tokens tokens = client.getTokens().await().atMost(Duration.ofSeconds(30));
            assertThat(tokens.getAccessTokenExpiresAt()).isNotNull();
            return tokens.getAccessToken();
        } finally {
            try {
                client.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private JsonNode authlib(String clientId, String secret, String method, String scope) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import authlib, requests")).exit == 0,
                "Python Authlib is not installed (apt-get install -y python3-authlib python3-requests, as .ci/run does): skipped");
        Path script = Path.of("src/test/python/authlib_client_credentials.py");
        Run run = run(List.of(PYTHON.toString(), script.toString(), tokenUrl.toString(), clientId, secret, method, scope));
        assertThat(run.exit).as("authlib exited with: %s", run.output).isZero();
        return new ObjectMapper().readTree(run.output);
    }

    private record Run(int exit, String output) {}

    private static Run run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }
}
