package dev.tokenbroker.tls;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.ServerTls;
import dev.tokenbroker.testing.TestCa;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged broker with TLS turned on by exactly the environment variables the Helm chart sets, so that their
 * names are proven against the real configuration mapping, not just the properties they stand for.
 */
public class ApiTlsIT {

    private static WireMockServer ims;
    private static ServerTls tls;
    private static BrokerProcess broker;

    /**
     * What the chart sets when TLS is on (its mount path replaced by the test's, its 1m reload by 1s).
     * KubernetesModelTest checks that the chart's render sets exactly these names, so the two cannot drift.
     */
    public static Map<String, String> chartEnvironment(ServerTls tls, int apiPort) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("QUARKUS_HTTP_TLS_CONFIGURATION_NAME", "api");
        environment.put("QUARKUS_MANAGEMENT_TLS_CONFIGURATION_NAME", "api");
        environment.put("QUARKUS_TLS__API__KEY_STORE_PEM__0__CERT", tls.certificateFile().toString());
        environment.put("QUARKUS_TLS__API__KEY_STORE_PEM__0__KEY", tls.keyFile().toString());
        environment.put("QUARKUS_TLS__API__RELOAD_PERIOD", "1s");
        environment.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(apiPort));
        environment.put("QUARKUS_HTTP_INSECURE_REQUESTS", "disabled");
        return environment;
    }

    @BeforeAll
    static void startBroker() {
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        Ims.issuesTokens(ims, 86399);
        tls = ServerTls.create();
        broker = BrokerProcess.start("tls", FleetSettings.inProcess("http://localhost:" + ims.port() + Fixtures.TOKEN_PATH),
                port -> chartEnvironment(tls, port), tls.ca().clientContext());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
        if (ims != null) {
            ims.stop();
        }
    }

    @Test
    void chartEnvironmentServesTokensOverHttpsOnTheApiPort() throws Exception {
        HttpResponse<String> response = broker.http().send(HttpRequest.newBuilder(broker.uri("/tokens?credential=adobe-admin"))
                .header("Authorization", "Bearer " + Fixtures.OPS_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.uri().getScheme()).isEqualTo("https");
        assertThat(JsonPath.from(response.body()).getString("access_token")).startsWith("eyJ");
    }

    @Test
    void plainHttpGetsNoHttpAnswerOnEitherPort() throws Exception {
        assertThat(RawHttp.unparsed(broker.port(), "/ping")).doesNotStartWith("HTTP/");
        assertThat(RawHttp.unparsed(broker.managementPort(), "/q/health/live")).doesNotStartWith("HTTP/");
    }

    @Test
    void healthAndMetricsAnswerOverHttpsOnTheManagementPort() throws Exception {
        for (String path : new String[] {"/q/health/live", "/q/health/ready", "/q/metrics"}) {
            HttpResponse<String> response = broker.http().send(HttpRequest.newBuilder(broker.managementUri(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void renewedCertificateIsPresentedOnBothPortsWithoutARestart() throws Exception {
        TestCa.Issued renewed = tls.renew();

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(tls.presentedCertificate(broker.port()).getSerialNumber()).isEqualTo(renewed.serial()));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(tls.presentedCertificate(broker.managementPort()).getSerialNumber()).isEqualTo(renewed.serial()));
        await().untilAsserted(() -> assertThat(Files.readString(BrokerProcess.log("tls")))
                .contains("event=tls_certificate_renewed configuration=api subject=\"CN=token-broker\" serial="
                        + renewed.serial().toString(16)));
        assertThat(Files.readString(BrokerProcess.log("tls")))
                .as("Quarkus's line per server and reload period stays below WARN")
                .doesNotContain("has been updated")
                .doesNotContain("PRIVATE KEY");
    }

    /**
     * {@code QUARKUS_TLS__API__KEY_STORE_PEM_0_CERT} does not reach {@code quarkus.tls."api".key-store.pem.0.cert}:
     * SmallRye Config cannot tell where the inner map key {@code 0} ends unless it is quoted too ({@code __0__}).
     * The broker then finds no certificate and refuses to start, rather than serving plain HTTP.
     */
    @Test
    void unquotedPemKeyInTheEnvironmentSetsNoCertificate() {
        assertThatThrownBy(() -> BrokerProcess.start("tls-unquoted-pem-key",
                FleetSettings.inProcess("http://localhost:" + ims.port() + Fixtures.TOKEN_PATH), port -> {
                    Map<String, String> environment = chartEnvironment(tls, port);
                    environment.put("QUARKUS_TLS__API__KEY_STORE_PEM_0_CERT", environment.remove("QUARKUS_TLS__API__KEY_STORE_PEM__0__CERT"));
                    environment.put("QUARKUS_TLS__API__KEY_STORE_PEM_0_KEY", environment.remove("QUARKUS_TLS__API__KEY_STORE_PEM__0__KEY"));
                    return environment;
                }, tls.ca().clientContext()))
                .hasMessageContaining("exited");
        assertThat(BrokerProcess.log("tls-unquoted-pem-key")).content()
                .contains("Cannot set quarkus.http.insecure-requests without enabling SSL");
    }
}
