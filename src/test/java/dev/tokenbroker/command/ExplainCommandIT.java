package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.JarCommand;
import dev.tokenbroker.testing.ShippedConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain} as an on-call engineer runs it: {@code java -jar target/token-broker.jar explain ...} in its own
 * process, settings from the environment, no server started, no secret printed.
 */
class ExplainCommandIT {

    @TempDir
    Path dir;

    @Test
    void explainsAnAllowedAndARefusedRequestWithExitCodes() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        String key = Fixtures.sha256(Fixtures.BILLING_KEY);

        JarCommand.Result allowed = ShippedConfiguration.command("explain", "--callers", shipped.callers().toString(),
                "--credentials", shipped.credentials().toString(), "--key-sha256", key, "--credential", "adobe-admin",
                "--scope", "openid");
        assertThat(allowed.exitCode()).as(allowed.output()).isZero();
        assertThat(allowed.stdout()).isEqualTo("allowed: caller billing (" + shipped.callers() + ":2) gets adobe-admin"
                + " with scopes \"openid\"\n  granted by: " + shipped.callers() + ":5 grants[0] credential adobe-admin"
                + " scopes \"AdobeID openid user_management_sdk\"\n");
        assertThat(allowed.took()).as("a plain command, not a Quarkus start").isLessThan(Duration.ofSeconds(30));

        JarCommand.Result refused = ShippedConfiguration.command("explain", "--callers", shipped.callers().toString(),
                "--credentials", shipped.credentials().toString(), "--key-sha256", key, "--credential", "adobe-admin",
                "--scope", "read_organizations");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
        assertThat(refused.stdout()).startsWith("refused: 403 forbidden (scopes_not_granted): caller billing ("
                + shipped.callers() + ":2): No grant for scopes: read_organizations.\n");

        JarCommand.Result usage = ShippedConfiguration.command("explain", "--credential", "adobe-admin");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr()).contains("explain --callers FILE|DIR");
        assertThat(allowed.output() + refused.output() + usage.output()).doesNotContain(ShippedConfiguration.SECRETS);
    }

    @Test
    void explainsOverACallersDirectoryNamingTheFileThatDecides() throws Exception {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        Path teams = Files.createDirectories(dir.resolve("callers.d"));
        Files.move(shipped.callers(), teams.resolve("a-platform.yaml"));
        Files.writeString(teams.resolve("b-team.yaml"), """
                callers:
                  - name: grabs-billing
                    api-key-sha256: %s
                    grants: [{credential: analytics, scopes: ["*"]}]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));

        JarCommand.Result result = ShippedConfiguration.command("explain", "--callers", teams.toString(), "--credentials",
                shipped.credentials().toString(), "--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential",
                "analytics", "--scope", "openid");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.stdout()).isEqualTo("refused: 403 forbidden (no_grant_for_credential): caller billing ("
                + teams.resolve("a-platform.yaml") + ":2): No grant for this credential.\n"
                + "  its grants for analytics: none\n"
                + "  note: caller grabs-billing at " + teams.resolve("b-team.yaml") + ":2 is refused: its api-key-sha256"
                + " is listed at " + teams.resolve("a-platform.yaml") + ":2 already\n");
        assertThat(result.output()).doesNotContain(ShippedConfiguration.SECRETS);
    }
}
