package dev.tokenbroker.trace;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged broker: without an OTLP endpoint it starts and serves without a word about OpenTelemetry and its audit
 * lines carry no trace id; with {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} set (here to an OTLP/HTTP receiver, so
 * the protocol too) it exports its spans there.
 */
class TracesIT {

    private static WireMockServer ims;
    private static WireMockServer collector;

    @BeforeAll
    static void start() {
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        Ims.issuesTokens(ims, 86399);
        collector = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        collector.start();
        collector.stubFor(post(urlEqualTo("/v1/traces")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/x-protobuf")));
    }

    @AfterAll
    static void stop() {
        ims.stop();
        collector.stop();
    }

    @Test
    void offByDefaultWithoutAWordAboutIt() throws Exception {
        BrokerProcess broker = BrokerProcess.start("traces-off", settings());
        try {
            assertThat(tokenStatus(broker)).isEqualTo(200);
        } finally {
            broker.stop();
        }
        List<String> log = Files.readAllLines(BrokerProcess.log("traces-off"));
        assertThat(log).anyMatch(line -> line.contains("event=token_request"));
        assertThat(log).noneMatch(line -> line.contains("trace_id="));
        assertThat(log).filteredOn(line -> !line.contains("Installed features:")) // which lists "opentelemetry"
                .noneMatch(line -> line.toLowerCase().matches(".*(otel|opentelemetry|otlp|4317).*"))
                .filteredOn(TracesIT::notAboutTheFixtureCallers)
                .noneMatch(line -> line.contains("WARN") || line.contains("ERROR"));
        assertThat(collector.findAll(postRequestedFor(urlEqualTo("/v1/traces")))).isEmpty();
    }

    @Test
    void onWithTheOtlpEndpoint() throws Exception {
        BrokerProcess broker = BrokerProcess.start("traces-on", settings(), Map.of(
                "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.port(),
                "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        try {
            assertThat(tokenStatus(broker)).isEqualTo(200);
            await().until(() -> !collector.findAll(postRequestedFor(urlEqualTo("/v1/traces"))).isEmpty());
        } finally {
            broker.stop();
        }
        List<String> log = Files.readAllLines(BrokerProcess.log("traces-on"));
        assertThat(log).anyMatch(line -> line.contains("event=token_request") && line.matches(".* trace_id=[0-9a-f]{32}$"));
        assertThat(log).filteredOn(TracesIT::notAboutTheFixtureCallers)
                .noneMatch(line -> line.contains("WARN") || line.contains("ERROR"));
    }

    private static Map<String, String> settings() {
        return FleetSettings.inProcess("http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
    }

    private static int tokenStatus(BrokerProcess broker) throws Exception {
        return broker.http().send(broker.tokenRequest("openid"), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /**
     * The shared callers fixture lists ServiceAccount callers while these brokers trust no cluster issuer, which the
     * broker warns about once at start (docs/operations.md); that warning is about the fixture, not about traces.
     */
    private static boolean notAboutTheFixtureCallers(String line) {
        return !line.contains("event=service_account_callers_untrusted");
    }
}
