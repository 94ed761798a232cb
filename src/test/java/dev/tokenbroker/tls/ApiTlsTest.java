package dev.tokenbroker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.testing.ApiTlsResource;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.ServerTls;
import dev.tokenbroker.testing.TestCa;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API and the management port over HTTPS through the named TLS configuration {@code api}: a client that trusts
 * the test CA gets tokens, health and metrics; plain HTTP gets no HTTP answer; a certificate renewed the way the
 * kubelet swaps a Secret's files is presented without a restart.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(ApiTlsResource.class)
class ApiTlsTest {

    @TestDependency
    WireMockServer ims;

    @TestDependency
    ServerTls tls;

    @Inject
    CredentialRegistry credentials;

    @TestHTTPResource(value = "/", tls = true)
    URI api;

    @TestHTTPResource(value = "/", management = true, tls = true)
    URI management;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeEach
    void identityProviderIssuesTokens() {
        await().until(() -> credentials.get(Fixtures.CREDENTIAL).isPresent());
        ims.resetAll();
        Ims.issuesTokens(ims, 86399);
    }

    @Test
    void oauthMetadataAnnouncesHttpsUrlsWhenTlsIsOn() throws Exception {
        HttpResponse<String> response = tls.client().send(HttpRequest.newBuilder(api.resolve("/.well-known/oauth-authorization-server"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonPath metadata = JsonPath.from(response.body());
        String origin = "https://" + api.getHost() + ":" + api.getPort();
        assertThat(metadata.getString("issuer")).isEqualTo(origin);
        assertThat(metadata.getString("token_endpoint")).isEqualTo(origin + "/oauth2/token");
    }

    @Test
    void servesTokensOverTlsToAClientThatTrustsTheCa() throws Exception {
        assertThat(Files.readString(tls.keyFile())).as("a PKCS#1 key, as cert-manager writes tls.key")
                .startsWith("-----BEGIN RSA PRIVATE KEY-----");
        HttpResponse<String> response = tls.client().send(HttpRequest.newBuilder(api.resolve("/tokens?credential=adobe-admin&scope=openid"))
                .header("Authorization", "Bearer " + Fixtures.OPS_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.uri().getScheme()).isEqualTo("https");
        assertThat(JsonPath.from(response.body()).getString("access_token")).startsWith("eyJ");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void clientThatDoesNotTrustTheCaIsRefused() {
        TestCa stranger = TestCa.create("some other CA");
        assertThatThrownBy(() -> java.net.http.HttpClient.newBuilder().sslContext(stranger.clientContext()).build()
                .send(HttpRequest.newBuilder(api.resolve("/ping")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void plainHttpGetsNoHttpAnswerOnTheApiOrTheManagementPort() throws IOException {
        assertThat(RawHttp.unparsed(api.getPort(), "/ping")).doesNotStartWith("HTTP/");
        assertThat(RawHttp.unparsed(management.getPort(), "/q/health/live")).doesNotStartWith("HTTP/");
    }

    @Test
    void healthAndMetricsAnswerOverTlsOnTheManagementPort() throws Exception {
        HttpResponse<String> ready = get(management.resolve("/q/health/ready"));
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(JsonPath.from(ready.body()).getString("status")).isEqualTo("UP");
        HttpResponse<String> metrics = get(management.resolve("/q/metrics"));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("tokenbroker_credentials_loaded");
    }

    @Test
    void renewedCertificateIsPresentedOnBothPortsWithoutARestart() throws Exception {
        assertThat(tls.presentedCertificate(api.getPort()).getSerialNumber()).isEqualTo(tls.current().serial());

        TestCa.Issued renewed = tls.renew();

        // While Vert.x applies a changed certificate, it closes connections that arrive (docs/security.md, TLS on the API).
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(tls.presentedCertificate(api.getPort()).getSerialNumber()).isEqualTo(renewed.serial()));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() ->
                assertThat(tls.presentedCertificate(management.getPort()).getSerialNumber()).isEqualTo(renewed.serial()));
        assertThat(get(api.resolve("/ping")).body()).isEqualTo("pong");
        await().untilAsserted(() -> assertThat(logs.messages("dev.tokenbroker.tls.ServerCertificateLog"))
                .anySatisfy(line -> assertThat(line).startsWith("event=tls_certificate_renewed configuration=api")
                        .contains("serial=" + renewed.serial().toString(16))));
        assertThat(logs.lines()).noneMatch(line -> line.contains("PRIVATE KEY"));
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return tls.client().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
