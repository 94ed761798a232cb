package dev.tokenbroker.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Readiness of the packaged broker tells the truth (docs/operations.md, Readiness): not ready while its callers
 * file is missing or does not parse, or its credentials directory is missing, saying why; ready once they are
 * there; and still ready, reporting it, when its callers file breaks while it runs.
 */
class ReadinessIT {

    private final List<BrokerProcess> brokers = new ArrayList<>();

    @AfterEach
    void stopBrokers() {
        brokers.forEach(BrokerProcess::stop);
    }

    @Test
    void aMissingCallersFileMeansNotReadyUntilItAppears() throws Exception {
        Map<String, String> settings = settings();
        Path callers = Path.of(settings.get("tokenbroker.callers.file"));
        Files.delete(callers);
        BrokerProcess broker = launch("ready-no-callers", settings);

        JsonPath answer = awaitAnswer(broker, 503);
        assertThat(answer.getString("status")).isEqualTo("DOWN");
        assertThat(answer.getString("checks[0].data.not-ready")).isEqualTo("callers file not loaded");
        assertThat(answer.getString("checks[0].data.callers"))
                .isEqualTo("cannot be read (NoSuchFileException); not ready, denying every caller");
        awaitLog("ready-no-callers", "event=callers_invalid file=" + callers);

        Files.writeString(callers, Fixtures.callersYaml());
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.readiness() == 200);
        assertThat(broker.readinessDetail("callers")).isEqualTo("ok");
    }

    @Test
    void aCallersFileThatDoesNotParseMeansNotReady() throws Exception {
        Map<String, String> settings = settings();
        Files.writeString(Path.of(settings.get("tokenbroker.callers.file")), "callers:\n  - name: [billing\n");
        BrokerProcess broker = launch("ready-unparsable-callers", settings);

        JsonPath answer = awaitAnswer(broker, 503);
        assertThat(answer.getString("checks[0].data.not-ready")).isEqualTo("callers file not loaded");
        assertThat(answer.getString("checks[0].data.callers")).contains("line").endsWith("; not ready, denying every caller");
        awaitLog("ready-unparsable-callers", "event=callers_invalid");
    }

    @Test
    void aMissingCredentialsDirectoryMeansNotReadyUntilItAppears() throws Exception {
        Map<String, String> settings = settings();
        Path credentials = Path.of(settings.get("tokenbroker.credentials.dir"));
        Path moved = Files.move(credentials, credentials.resolveSibling("not-yet"));
        BrokerProcess broker = launch("ready-no-credentials", settings);

        JsonPath answer = awaitAnswer(broker, 503);
        assertThat(answer.getString("checks[0].data.not-ready")).isEqualTo("credentials directory not read");
        assertThat(answer.getString("checks[0].data.'credential.(directory)'"))
                .isEqualTo("directory " + credentials + " cannot be read");
        awaitLog("ready-no-credentials",
                "event=credentials_dir_unreadable dir=" + credentials + " error=NoSuchFileException action=not_ready");

        Files.move(moved, credentials);
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.readiness() == 200);
        assertThat(broker.readinessDetail("credentials")).isEqualTo(Fixtures.CREDENTIAL);
    }

    @Test
    void aCallersFileBrokenWhileRunningKeepsTheLastGoodPolicyAndReadinessSaysSo() throws Exception {
        Map<String, String> settings = settings();
        Path callers = Path.of(settings.get("tokenbroker.callers.file"));
        BrokerProcess broker = launch("ready-callers-broken-later", settings);
        await().atMost(Duration.ofSeconds(60)).until(() -> broker.readiness() == 200);
        assertThat(callersValid(broker)).isEqualTo("1.0");

        Files.writeString(callers, "callers: {");
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.readinessDetail("callers").endsWith("keeping the last good policy"));
        assertThat(broker.readiness()).isEqualTo(200);
        assertThat(callersValid(broker)).isEqualTo("0.0");
        awaitLog("ready-callers-broken-later", "event=callers_invalid file=" + callers);
        assertThat(broker.http().send(broker.tokenRequest("openid"), HttpResponse.BodyHandlers.discarding()).statusCode())
                .as("the last good policy still grants the ops caller: past the grant, to the unreachable token endpoint")
                .isEqualTo(503);
    }

    /** The fixture credential and callers file, re-read every second, with readiness details on. */
    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(FleetSettings.inProcess("http://127.0.0.1:1/ims/token/v3"));
        settings.put("tokenbroker.callers.reload-interval", "1s");
        settings.put("tokenbroker.credentials.reload-interval", "1s");
        settings.put("tokenbroker.credentials.watch", "false");
        settings.put("tokenbroker.health.details", "true");
        return settings;
    }

    private BrokerProcess launch(String name, Map<String, String> settings) {
        BrokerProcess broker = BrokerProcess.launch(name, settings);
        brokers.add(broker);
        return broker;
    }

    /** The readiness answer, once the management port answers with this status. */
    private static JsonPath awaitAnswer(BrokerProcess broker, int status) throws IOException, InterruptedException {
        await().atMost(Duration.ofSeconds(60)).until(() -> broker.readiness() != 0);
        HttpResponse<String> response = broker.http().send(
                HttpRequest.newBuilder(broker.managementUri("/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JsonPath.from(response.body());
    }

    private static String callersValid(BrokerProcess broker) throws IOException, InterruptedException {
        String metrics = broker.http().send(HttpRequest.newBuilder(broker.managementUri("/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(line -> line.startsWith("tokenbroker_config_valid{") && line.contains("source=\"callers\""))
                .map(line -> line.substring(line.lastIndexOf(' ') + 1)).findFirst().orElse("absent");
    }

    private static void awaitLog(String name, String line) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Files.readString(BrokerProcess.log(name))).contains(line));
    }
}
