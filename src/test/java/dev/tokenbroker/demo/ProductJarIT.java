package dev.tokenbroker.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.JarCommand;
import dev.tokenbroker.testing.ShippedConfiguration;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product jar, {@code target/token-broker.jar}, started as docs/deploying.md starts it (TOKENBROKER_* settings
 * only, no profile named), is no demo: it runs the prod profile, has no stand-in token endpoint, and its {@code check}
 * reads the same settings as its broker. The demo build is another jar (pom.xml, profile demo), which .ci/run builds
 * as the README does and checks that it leaves no target/token-broker.jar.
 */
class ProductJarIT {

    @TempDir
    Path dir;

    @Test
    void startedWithOnlyTokenbrokerSettingsItRunsTheProdProfileWithoutTheDemoEndpoint() throws Exception {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        Map<String, String> environment = Map.of("TOKENBROKER_CREDENTIALS_DIR", shipped.credentials().toString(),
                "TOKENBROKER_CALLERS_FILE", shipped.callers().toString(),
                "TOKENBROKER_UPSTREAM_ALLOWED_HOSTS", "*.adobelogin.com");
        BrokerProcess broker = BrokerProcess.start("product-jar", Map.of(), environment);
        try {
            HttpResponse<String> demo = broker.http().send(HttpRequest.newBuilder(broker.uri("/demo/ims/token/v3"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "grant_type=client_credentials&client_id=demo-client-id&client_secret=demo-client-secret"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(demo.statusCode()).as(demo.body()).isEqualTo(404);
            assertThat(Files.readString(BrokerProcess.log("product-jar"))).contains("Profile prod activated")
                    .doesNotContain("Profile demo activated");
        } finally {
            broker.stop();
        }

        // check of the same jar, with the same environment and no profile named, reads what the broker read.
        JarCommand.Result checked = JarCommand.run(List.of("check"), Map.of(), environment, "");
        assertThat(checked.exitCode()).as(checked.output()).isZero();
        assertThat(checked.stdout()).isEqualTo("checked 2 credentials, 2 callers: 0 errors, 0 warnings\n");
    }
}
