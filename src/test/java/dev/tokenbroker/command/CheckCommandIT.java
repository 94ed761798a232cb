package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.testing.BrokerProcess;
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
 * {@code check} and {@code hash-key} as an operator or a CI step runs them: {@code java -jar target/token-broker.jar}
 * in its own process, settings from the environment and system properties; and the same jar without a command
 * still starting the broker.
 */
class CheckCommandIT {

    @TempDir
    Path dir;

    @Test
    void aGoodConfigurationExitsZeroInSecondsWithoutStartingTheBroker() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        JarCommand.Result result = ShippedConfiguration.command("check", "--credentials", shipped.credentials().toString(),
                "--callers", shipped.callers().toString());
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.stdout()).isEqualTo("checked 2 credentials, 2 callers: 0 errors, 0 warnings\n");
        assertThat(result.stderr()).isEmpty();
        assertThat(result.took()).as("a plain command, not a Quarkus start").isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void reportsEachKindOfFindingWithItsFileAndNeverASecret() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.breakEverything();
        Path c = shipped.credentials();
        Path f = shipped.callers();
        JarCommand.Result result = ShippedConfiguration.command("check", "--credentials", c.toString(), "--callers", f.toString());
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.stdout().lines()).contains(
                "warning " + c.resolve("Not_A_Name") + ": ignored by the broker: a credential's directory is named"
                        + " [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
                "error " + c.resolve("elsewhere/token_url") + ": names a host that tokenbroker.upstream.allowed-hosts does not list",
                "error " + c.resolve("no-secret/client_secret") + ": missing or empty",
                "error " + f + ":12: callers[2].api-key-sha256 is listed twice (also at callers[0])",
                "error " + f + ":14: callers[3].api-key-sha256 is not 64 hex digits",
                "checked 4 credentials, 2 callers: 6 errors, 2 warnings");
        assertThat(result.stdout()).contains("error " + f + ":5: callers[0].grants[0] names scopes that",
                "error " + f + ":10: callers[1].grants[0] names credential ghost");
        assertThat(result.output()).doesNotContain(ShippedConfiguration.SECRETS);
    }

    @Test
    void aBrokenYamlFileIsReportedAtItsLineAsJson() throws Exception {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.writeCallers("callers:\n  - name: a\n    api-key-sha256: \"" + Fixtures.OPS_KEY + "\n  - name: b\n");
        JarCommand.Result result = JarCommand.run("check", "--callers", shipped.callers().toString(), "--format", "json");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        JsonNode finding = new ObjectMapper().readTree(result.stdout()).get("findings").get(0);
        assertThat(finding.get("file").asText()).isEqualTo(shipped.callers().toString());
        assertThat(finding.get("line").asInt()).isEqualTo(3);
        assertThat(finding.get("message").asText()).isEqualTo("not valid callers YAML at line 5, column 1: found unexpected"
                + " end of stream (while scanning a quoted scalar at line 3, column 21)");
        assertThat(result.output()).doesNotContain(Fixtures.OPS_KEY);
    }

    @Test
    void withoutFlagsItChecksWhereTheBrokersSettingsPoint() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.mount().update(Fixtures.CREDENTIAL, "token_url", "https://idp.example.org/token");
        JarCommand.Result result = JarCommand.run(List.of("check"), Map.of("tokenbroker.callers.file", shipped.callers().toString()),
                Map.of("TOKENBROKER_CREDENTIALS_DIR", shipped.credentials().toString(),
                        "TOKENBROKER_UPSTREAM_ALLOWED_HOSTS", "*.adobelogin.com"), "");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.stdout()).isEqualTo("error " + shipped.credentials().resolve("adobe-admin/token_url")
                + ": names a host that tokenbroker.upstream.allowed-hosts does not list\n"
                + "checked 2 credentials, 2 callers: 1 error, 0 warnings\n");
    }

    @Test
    void theDemoProfilesConfigurationChecksOut() {
        JarCommand.Result result = JarCommand.run(List.of("check"), Map.of("quarkus.profile", "demo"), Map.of(), "");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.stdout()).isEqualTo("checked 1 credential, 1 caller: 0 errors, 0 warnings\n");
    }

    @Test
    void hashKeyPrintsTheDigestAndRefusesAShortKey() {
        JarCommand.Result hashed = JarCommand.run(List.of("hash-key"), Map.of(), Map.of(), Fixtures.BILLING_KEY + "\n");
        assertThat(hashed.exitCode()).as(hashed.output()).isZero();
        assertThat(hashed.stdout()).isEqualTo("api-key-sha256: " + Fixtures.sha256(Fixtures.BILLING_KEY) + "\n");
        assertThat(hashed.output()).doesNotContain(Fixtures.BILLING_KEY);

        JarCommand.Result refused = JarCommand.run(List.of("hash-key"), Map.of(), Map.of(), "p8e-TESTSECRET-short\n");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stdout()).isEmpty();
        assertThat(refused.stderr()).contains("shorter than 32 characters").doesNotContain("p8e-TESTSECRET");
    }

    @Test
    void usageErrorsExitTwo() {
        for (List<String> args : List.of(List.of("check", "--format", "xml"), List.of("check", "extra"),
                List.of("hash-key", "--key"))) {
            JarCommand.Result result = JarCommand.run(args, Map.of(), Map.of(), "");
            assertThat(result.exitCode()).as(args + ": " + result.output()).isEqualTo(2);
            assertThat(result.stderr()).as(args.toString()).contains("usage: java -jar token-broker.jar check");
        }
    }

    @Test
    void withoutACommandTheJarStartsTheBrokerAsBefore() throws Exception {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        BrokerProcess broker = BrokerProcess.start("check-main", Map.of("tokenbroker.credentials.dir", shipped.credentials().toString(),
                "tokenbroker.callers.file", shipped.callers().toString()));
        try {
            assertThat(broker.ready()).isTrue();
        } finally {
            broker.stop();
        }
    }
}
