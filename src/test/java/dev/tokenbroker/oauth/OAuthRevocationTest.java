package dev.tokenbroker.oauth;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RFC 7009 at {@code POST /oauth2/revoke}, through the client libraries that revoke: Node openid-client's
 * {@code tokenRevocation} and Python Authlib's {@code revoke_token}, each in its own process (skipped, with a
 * message, where {@code npm ci} in src/test/node or Debian's python3-authlib has not run; {@code .ci/run} runs both),
 * each followed by a request that gets a new token. Without valid client authentication it is a 401; a client
 * without a grant for the token's scope set drops nothing.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class OAuthRevocationTest extends ServiceAccountBrokerTest {

    static final Path NODE_CLIENTS = Path.of("src/test/node");

    @TestHTTPResource("/")
    URL root;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void nodeOpenidClientRevokesAndTheNextGrantGetsANewToken() throws Exception {
        assumeTrue(Files.isDirectory(NODE_CLIENTS.resolve("node_modules/openid-client")),
                "Node openid-client is not installed (npm ci --prefix src/test/node, as .ci/run does): skipped");
        Run run = run(List.of("node", NODE_CLIENTS.resolve("openid_client_revocation.mjs").toString(), issuer(),
                "adobe-admin", BILLING_KEY, "openid AdobeID"));
        assertThat(run.exit).as("node exited with: %s", run.output).isZero();
        assertRevokedAndReplaced(new ObjectMapper().readTree(run.output), 2);
    }

    @Test
    void pythonAuthlibRevokesAndTheNextFetchGetsANewToken() throws Exception {
        assumeTrue(Files.isExecutable(OAuthClientLibrariesTest.PYTHON)
                        && run(List.of(OAuthClientLibrariesTest.PYTHON.toString(), "-c", "import authlib, requests")).exit == 0,
                "Python Authlib is not installed (apt-get install -y python3-authlib python3-requests, as .ci/run does): skipped");
        int mints = 2; // the first token and its replacement; the second run's first token is that replacement
        for (String method : List.of("client_secret_basic", "client_secret_post")) {
            Run run = run(List.of(OAuthClientLibrariesTest.PYTHON.toString(), "src/test/python/authlib_revocation.py",
                    issuer(), Fixtures.CLIENT_ID, OPS_KEY, method, "openid AdobeID"));
            assertThat(run.exit).as("authlib exited with: %s", run.output).isZero();
            JsonNode answer = new ObjectMapper().readTree(run.output);
            assertThat(answer.get("revocation_status").asInt()).isEqualTo(200);
            assertRevokedAndReplaced(answer, mints++);
        }
    }

    @Test
    void aServiceAccountRevokesWithItsClientAssertion() {
        String refused = token(OPS_KEY, "openid AdobeID");
        revoke().formParam("client_id", "adobe-admin")
                .formParam("client_assertion_type", ClientAuthentication.JWT_BEARER)
                .formParam("client_assertion", cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign())
                .formParam("token", refused)
                .when().post("/oauth2/revoke").then().statusCode(200).header("Cache-Control", "no-store");
        assertThat(token(OPS_KEY, "openid AdobeID")).isNotEqualTo(refused);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    @Test
    void withoutValidClientAuthenticationARevocationIsInvalidClient() {
        String current = token(OPS_KEY, "openid");
        revoke().formParam("client_id", "adobe-admin").formParam("token", current)
                .when().post("/oauth2/revoke").then().statusCode(401).header("WWW-Authenticate", OAuthAnswers.REALM)
                .body("error", equalTo("invalid_client"));
        revoke().auth().preemptive().basic("adobe-admin", "tb-not-a-key-0123456789").formParam("token", current)
                .when().post("/oauth2/revoke").then().statusCode(401).body("error", equalTo("invalid_client"));
        revoke().auth().preemptive().basic("adobe-admin", OPS_KEY)
                .when().post("/oauth2/revoke").then().statusCode(400).body("error", equalTo("invalid_request"));
        assertThat(token(OPS_KEY, "openid")).isEqualTo(current);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        assertThat(logs.messages("tokenbroker.audit")).filteredOn(line -> line.startsWith("event=token_revocation"))
                .isNotEmpty().allMatch(line -> line.contains("outcome=unauthenticated") && line.contains(" peer="));
        assertNoTokenOrKeyLogged(current);
    }

    @Test
    void aClientWithoutTheGrantDropsNothingAndIsAnswered200AllTheSame() {
        // billing holds openid, AdobeID, user_management_sdk: not read_organizations; stranger holds nothing here.
        String current = token(OPS_KEY, "openid read_organizations");
        for (String key : List.of(BILLING_KEY, Fixtures.STRANGER_KEY)) {
            revoke().auth().preemptive().basic("adobe-admin", key).formParam("token", current)
                    .formParam("token_type_hint", "access_token")
                    .when().post("/oauth2/revoke").then().statusCode(200);
        }
        assertThat(token(OPS_KEY, "openid read_organizations")).isEqualTo(current);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        assertThat(logs.messages("tokenbroker.audit")).filteredOn(line -> line.startsWith("event=token_revocation"))
                .hasSize(2).allMatch(line -> line.contains("outcome=forbidden status=200"));
        assertNoTokenOrKeyLogged(current);
    }

    @Test
    void aTokenThatIsNotCurrentIsAnswered200AndNothingIsMinted() {
        String current = token(OPS_KEY, "openid");
        revoke().auth().preemptive().basic("adobe-admin", OPS_KEY).formParam("token", "eyJ-not-one-the-broker-holds")
                .when().post("/oauth2/revoke").then().statusCode(200);
        assertThat(token(OPS_KEY, "openid")).isEqualTo(current);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        assertThat(logs.messages("tokenbroker.audit")).anyMatch(line -> line.startsWith("event=token_revocation caller=ops")
                && line.contains("rejected=not_current"));
    }

    @Test
    void theMetadataNamesTheRevocationEndpoint() {
        given().when().get("/.well-known/oauth-authorization-server").then().statusCode(200)
                .body("revocation_endpoint", equalTo(issuer() + "/oauth2/revoke"))
                .body("revocation_endpoint_auth_methods_supported",
                        equalTo(List.of("client_secret_basic", "client_secret_post", "private_key_jwt")));
    }

    private void assertRevokedAndReplaced(JsonNode answer, int mints) {
        String first = answer.get("first").asText();
        assertThat(first).startsWith("eyJ");
        assertThat(answer.get("second").asText()).startsWith("eyJ").isNotEqualTo(first);
        assertThat(Ims.tokenRequests(ims)).as("calls to the identity provider").isEqualTo(mints);
        assertThat(logs.messages("tokenbroker.audit")).anyMatch(line -> line.startsWith("event=token_revocation")
                && line.contains("rejected=replaced") && line.contains("status=200"));
        assertNoTokenOrKeyLogged(first, answer.get("second").asText());
    }

    private void assertNoTokenOrKeyLogged(String... tokens) {
        List<String> lines = logs.lines();
        assertThat(lines).anyMatch(line -> line.startsWith("tokenbroker.audit "));
        List<String> forbidden = new ArrayList<>(List.of(tokens));
        forbidden.addAll(List.of(OPS_KEY, BILLING_KEY, Fixtures.STRANGER_KEY, Fixtures.CLIENT_SECRET));
        for (String secret : forbidden) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }

    private String issuer() {
        return root.toString().replaceAll("/+$", "");
    }

    private static io.restassured.specification.RequestSpecification revoke() {
        return given().contentType(ContentType.URLENC.withCharset(StandardCharsets.UTF_8));
    }

    private static String token(String key, String scope) {
        return as(key).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }

    private record Run(int exit, String output) {}

    private static Run run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }
}
