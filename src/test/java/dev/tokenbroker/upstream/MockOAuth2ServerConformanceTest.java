package dev.tokenbroker.upstream;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conformance with a third-party OAuth 2.0 server (NAV's mock-oauth2-server, built on Nimbus): standard
 * {@code client_credentials} with {@code client_secret_basic} and space-separated scopes.
 */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class MockOAuth2ServerConformanceTest extends RedisBrokerTest {

    private static final String CLIENT_ID = "billing-service";
    private static final String SECRET = "s3cr3t:with/odd+chars&more=yes";

    private MockOAuth2Server server;

    @BeforeEach
    void startServer() {
        server = new MockOAuth2Server();
        server.start(InetAddress.getLoopbackAddress(), 0);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("client_id", CLIENT_ID);
        files.put("client_secret", SECRET);
        files.put("scopes", "openid profile api://billing/.default");
        files.put("token_url", server.tokenEndpointUrl("default").toString());
        files.put("auth_method", "client_secret_basic");
        files.put("scope_separator", "space");
        secrets.write("conformance", files);
        await().until(() -> credentials.get("conformance").isPresent());
    }

    @AfterEach
    void stopServer() {
        secrets.remove("conformance");
        await().until(() -> credentials.get("conformance").isEmpty());
        server.shutdown();
    }

    @Test
    void mintsWithClientSecretBasicAndSpaceSeparatedScopes() throws Exception {
        String token = as(OPS_KEY).queryParam("credential", "conformance").queryParam("scope", "openid,api://billing/.default")
                .when().get("/tokens")
                .then().statusCode(200)
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("api://billing/.default openid"))
                .extract().path("access_token");

        RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        String basic = request.getHeader("Authorization");
        assertThat(basic).startsWith("Basic ");
        String pair = new String(Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8);
        assertThat(pair).isEqualTo(URLEncoder.encode(CLIENT_ID, StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(SECRET, StandardCharsets.UTF_8));
        Map<String, String> form = form(request.getBody().readUtf8());
        assertThat(form).containsEntry("grant_type", "client_credentials")
                .containsEntry("scope", "api://billing/.default openid")
                .doesNotContainKey("client_secret");

        // The server decoded our Basic credentials (RFC 6749 2.3.1) and issued a token to that client.
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(CLIENT_ID);
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        return form;
    }
}
