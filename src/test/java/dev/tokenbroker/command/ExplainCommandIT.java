package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.JarCommand;
import dev.tokenbroker.testing.ShippedConfiguration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain} as an on-call engineer runs it: {@code java -jar target/token-broker.jar explain ...} in its own
 * process, settings from the environment, no server started, no secret printed.
 */
class ExplainCommandIT {

    private static final Map<String, String> ALLOW_IMS = Map.of("TOKENBROKER_UPSTREAM_ALLOWED_HOSTS", "*.adobelogin.com");

    @TempDir
    Path dir;

    @Test
    void explainsAnAllowedAndARefusedRequestWithExitCodes() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        List<String> base = List.of("explain", "--callers", shipped.callers().toString(), "--credentials",
                shipped.credentials().toString(), "--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential");

        JarCommand.Result allowed = JarCommand.run(concat(base, "adobe-admin", "--scope", "openid"), Map.of(), ALLOW_IMS, "");
        assertThat(allowed.exitCode()).as(allowed.output()).isZero();
        assertThat(allowed.stdout()).isEqualTo("allowed: caller billing (" + shipped.callers() + ":2) gets adobe-admin"
                + " with scopes \"openid\"\n  granted by: " + shipped.callers() + ":5 grants[0] credential adobe-admin"
                + " scopes \"AdobeID openid user_management_sdk\"\n");
        assertThat(allowed.took()).as("a plain command, not a Quarkus start").isLessThan(Duration.ofSeconds(30));

        JarCommand.Result refused = JarCommand.run(concat(base, "adobe-admin", "--scope", "read_organizations"), Map.of(),
                ALLOW_IMS, "");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
        assertThat(refused.stdout()).startsWith("refused: 403 forbidden (scopes_not_granted): caller billing ("
                + shipped.callers() + ":2): No grant for scopes: read_organizations.\n");

        JarCommand.Result usage = JarCommand.run(List.of("explain", "--credential", "adobe-admin"), Map.of(), ALLOW_IMS, "");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(allowed.output() + refused.output() + usage.output()).doesNotContain(ShippedConfiguration.SECRETS);
    }

    private static List<String> concat(List<String> base, String... more) {
        List<String> all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }
}
