package dev.tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.JarCommand;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar refuses an environment variable that starts with {@code TOKENBROKER_} and names no setting, as it
 * refuses a misspelt {@code -Dtokenbroker.*} key (docs/configuration.md, Environment variables): the broker does not
 * start, and {@code check} reports it.
 */
class EnvironmentNamesIT {

    private static final Map<String, String> MISSPELT = Map.of("TOKENBROKER_TOKENS_MIN_TTLL", "10s",
            "TOKENBROKER_TOKENS_MIN_TTL", "10s", "TOKENBROKER_KUBERNETES_CLUSTERS_EAST_ISSUER", "https://east.example");

    @Test
    void theBrokerDoesNotStartAndNamesTheVariable() {
        Map<String, String> settings = new HashMap<>(FleetSettings.inProcess("http://127.0.0.1:1/ims/token/v3"));
        settings.put("quarkus.http.port", "0");
        settings.put("quarkus.management.port", "0");
        JarCommand.Result result = JarCommand.run(List.of(), settings, MISSPELT, "");
        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("environment variable TOKENBROKER_TOKENS_MIN_TTLL names no tokenbroker setting")
                .doesNotContain("TOKENBROKER_TOKENS_MIN_TTL,").doesNotContain("EAST_ISSUER,");
    }

    @Test
    void checkReportsTheVariable() {
        Map<String, String> settings = FleetSettings.inProcess("http://127.0.0.1:1/ims/token/v3");
        JarCommand.Result result = JarCommand.run(List.of("check"), settings, MISSPELT, "");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.stdout()).contains("error (settings): environment variable TOKENBROKER_TOKENS_MIN_TTLL names no"
                + " tokenbroker setting (misspelt?)");
    }
}
