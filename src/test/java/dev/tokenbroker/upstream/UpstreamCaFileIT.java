package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged broker refuses to start with a {@code tokenbroker.upstream.ca-file} it cannot use, and says why. */
class UpstreamCaFileIT {

    @Test
    void brokenUpstreamCaFileStopsTheStartAndIsNamedWithoutItsContent() throws Exception {
        Path caFile = Files.createTempFile("upstream-ca", ".pem");
        Files.writeString(caFile, "-----BEGIN CERTIFICATE-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END CERTIFICATE-----\n");
        Map<String, String> settings = FleetSettings.inProcess("https://ims.example.com/ims/token/v3");

        assertThatThrownBy(() -> BrokerProcess.start("upstream-ca-file-broken", settings,
                port -> Map.of("TOKENBROKER_UPSTREAM_CA_FILE", caFile.toString()), null))
                .hasMessageContaining("exited");

        assertThat(BrokerProcess.log("upstream-ca-file-broken")).content()
                .contains("tokenbroker.upstream.ca-file " + caFile + ": certificate 1 is not a valid X.509 certificate")
                .doesNotContain("TUlJQnNlY3JldC1sb29raW5n");
    }
}
