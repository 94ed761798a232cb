package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ProjectedToken;
import dev.tokenbroker.testing.ShippedConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check} in this JVM, with the broker's settings given as overrides: what it finds, how it says it, its exit codes. */
class CheckCommandTest {

    private static final Map<String, String> ALLOW_IMS = Map.of("tokenbroker.upstream.allowed-hosts", "*.adobelogin.com");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aGoodConfigurationHasNoFindingAndExitsZero() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        assertThat(check(ALLOW_IMS, "--credentials", shipped.credentials().toString(), "--callers", shipped.callers().toString()))
                .isZero();
        assertThat(stdout()).isEqualTo("checked 2 credentials, 2 callers: 0 errors, 0 warnings\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void reportsEachKindOfMistakeWithItsFileAndLineAndExitsOne() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.breakEverything();
        Path c = shipped.credentials();
        Path f = shipped.callers();

        assertThat(check(ALLOW_IMS, "--credentials", c.toString(), "--callers", f.toString())).isEqualTo(1);

        assertThat(stdout().lines()).containsExactly(
                "warning " + c.resolve("Not_A_Name") + ": ignored by the broker: a credential's directory is named"
                        + " [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
                "warning " + c.resolve("analytics/client-secret") + ": not a file the broker reads (see the credential"
                        + " files in docs/configuration.md); misspelt?",
                "error " + c.resolve("elsewhere/token_url") + ": names a host that tokenbroker.upstream.allowed-hosts does not list",
                "error " + c.resolve("no-secret/client_secret") + ": missing or empty",
                "error " + f + ":5: callers[0].grants[0] names scopes that " + c.resolve("adobe-admin/scopes")
                        + " does not list: photoshop (requests for them would answer 400 invalid_scope)",
                "error " + f + ":10: callers[1].grants[0] names credential ghost, which " + c
                        + " does not hold (requests for it would answer 404 unknown_credential)",
                "error " + f + ":12: callers[2].api-key-sha256 is listed twice (also at callers[0])",
                "error " + f + ":14: callers[3].api-key-sha256 is not 64 hex digits",
                "checked 4 credentials, 2 callers: 6 errors, 2 warnings");
        assertNoSecretIn(stdout() + stderr());
    }

    @Test
    void reportsEveryProblemOfACredentialNotOnlyTheFirst() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.mount().write("many", Map.of("client_id", Fixtures.CLIENT_ID, "scopes", "openid",
                "default_scopes", "openid photoshop", "auth_method", "client_secret_jwt", "scope_separator", "semicolon",
                "default_lifetime", "forever"));
        Path many = shipped.credentials().resolve("many");
        assertThat(check(ALLOW_IMS, "--credentials", shipped.credentials().toString())).isEqualTo(1);
        assertThat(stdout().lines()).containsExactly(
                "error " + many.resolve("default_scopes") + ": names scopes that are not in scopes",
                "error " + many.resolve("auth_method") + ": must be client_secret_post, client_secret_basic,"
                        + " private_key_jwt, tls_client_auth or federated",
                "error " + many.resolve("client_secret") + ": missing or empty", // as the default method needs it
                "error " + many.resolve("scope_separator") + ": must be comma or space",
                "error " + many.resolve("default_lifetime") + ": must be seconds (3600) or a number with s, m, h or d (45m, 1h)",
                "checked 3 credentials: 5 errors, 0 warnings");
        assertNoSecretIn(stdout() + stderr());
    }

    @Test
    void anUnknownFieldIsNamedAtItsOwnLine() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.writeCallers("""
                callers:
                  - name: billing
                    api-key-sha265: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));
        assertThat(check(Map.of(), "--callers", shipped.callers().toString())).isEqualTo(1);
        assertThat(stdout().lines().findFirst().orElseThrow()).isEqualTo("error " + shipped.callers() + ":3: callers[0]"
                + " has an unknown field api-key-sha265 (a caller has name, api-key-sha256, service-account, cluster,"
                + " grants, purge; a grant credential, scopes)");
        shipped.writeCallers("""
                callers:
                  - name: billing
                    api-key-sha256: %s
                    grants:
                      - credential: adobe-admin
                        scopez: [openid]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));
        out.reset();
        assertThat(check(Map.of(), "--callers", shipped.callers().toString())).isEqualTo(1);
        assertThat(stdout().lines().findFirst().orElseThrow()).startsWith("error " + shipped.callers() + ":6: callers[0]"
                + ".grants[0] has an unknown field scopez (");
        assertNoSecretIn(stdout() + stderr());
    }

    @Test
    void aBrokenYamlFileIsReportedAtItsLine() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.writeCallers("callers:\n  - name: a\n    api-key-sha256: \"" + Fixtures.BILLING_KEY + "\n  - name: b\n");
        assertThat(check(Map.of(), "--callers", shipped.callers().toString())).isEqualTo(1);
        assertThat(stdout()).matches("(?s)error " + java.util.regex.Pattern.quote(shipped.callers().toString())
                + ":3: not valid callers YAML at line 5, column 1: found unexpected end of stream"
                + " \\(while scanning a quoted scalar at line 3, column 21\\)\n.*");
        assertNoSecretIn(stdout());
    }

    @Test
    void aServiceAccountCallerOfAClusterNotConfiguredIsAnError() throws Exception {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.writeCallers("""
                callers:
                  - name: near
                    service-account: payments/billing
                    cluster: us-east
                  - name: far
                    service-account: payments/billing
                    cluster: eu-west
                """);
        Findings findings = new Findings();
        new CallersCheck(Set.of("us-east"), findings).check(shipped.callers(), Optional.empty());
        assertThat(findings.all()).extracting(Finding::text).containsExactly("error " + shipped.callers() + ":5: callers[1].cluster"
                + " names eu-west, which is not a cluster of tokenbroker.kubernetes.clusters: its tokens are never accepted");
    }

    @Test
    void aServiceAccountCallerOfTheDefaultClusterWithoutIssuerIsAnError() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.writeCallers("""
                callers:
                  - name: near
                    service-account: payments/billing
                    cluster: us-east
                  - name: here
                    service-account: payments/billing
                    grants:
                      - credential: analytics
                        scopes: ["*"]
                """);
        Map<String, String> settings = new HashMap<>(ALLOW_IMS);
        settings.put("tokenbroker.kubernetes.clusters.us-east.issuer", "https://us-east.example");
        assertThat(check(settings, "--callers", shipped.callers().toString())).isEqualTo(1);
        assertThat(stdout().lines()).containsExactly("error " + shipped.callers() + ":5: callers[1].service-account names a"
                + " ServiceAccount of the default cluster, but tokenbroker.kubernetes.issuer and jwks-url are not both set:"
                + " its tokens are never accepted",
                "checked 2 callers (grants not compared with credentials: none checked): 1 error, 0 warnings");

        out.reset();
        settings.put("tokenbroker.kubernetes.issuer", "https://kubernetes.default.svc.cluster.local");
        settings.put("tokenbroker.kubernetes.jwks-url", "https://kubernetes.default.svc/openid/v1/jwks");
        assertThat(check(settings, "--callers", shipped.callers().toString())).as(stdout()).isZero();
    }

    @Test
    void withoutFlagsBothAreCheckedWhereTheBrokersSettingsPoint() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.mount().update("analytics", "client_secret", null);
        Map<String, String> settings = new HashMap<>(ALLOW_IMS);
        settings.put("tokenbroker.credentials.dir", shipped.credentials().toString());
        settings.put("tokenbroker.callers.file", shipped.callers().toString());
        assertThat(check(settings)).isEqualTo(1);
        assertThat(stdout().lines()).containsExactly(
                "error " + shipped.credentials().resolve("analytics/client_secret") + ": missing or empty",
                "checked 2 credentials, 2 callers: 1 error, 0 warnings");
    }

    @Test
    void withOneFlagOnlyThatIsChecked() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        assertThat(check(Map.of("tokenbroker.credentials.dir", dir.resolve("absent").toString()),
                "--callers", shipped.callers().toString())).isZero();
        assertThat(stdout()).isEqualTo("checked 2 callers (grants not compared with credentials: none checked): 0 errors, 0 warnings\n");
    }

    @Test
    void theBrokersDefaultsAreItsOwn() {
        assertThat(check(Map.of())).isEqualTo(1);
        assertThat(stdout().lines()).containsExactly(
                "error /var/run/secrets/token-broker/credentials: the credentials directory cannot be read (NoSuchFileException)",
                "error /etc/token-broker/callers.yaml: the callers file cannot be read (NoSuchFileException)",
                "nothing checked: 2 errors, 0 warnings");
    }

    @Test
    void jsonHoldsTheSameFindings() throws Exception {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        shipped.breakEverything();
        assertThat(check(ALLOW_IMS, "--format", "json", "--credentials=" + shipped.credentials(), "--callers", shipped.callers().toString()))
                .isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(stdout());
        assertThat(report.get("errors").asInt()).isEqualTo(6);
        assertThat(report.get("warnings").asInt()).isEqualTo(2);
        assertThat(report.get("credentials").asInt()).isEqualTo(4);
        assertThat(report.get("callers").asInt()).isEqualTo(2);
        assertThat(report.get("grants_compared_with_credentials").asBoolean()).isTrue();
        JsonNode duplicate = report.get("findings").get(6);
        assertThat(duplicate.get("severity").asText()).isEqualTo("error");
        assertThat(duplicate.get("file").asText()).isEqualTo(shipped.callers().toString());
        assertThat(duplicate.get("line").asInt()).isEqualTo(12);
        assertThat(duplicate.get("message").asText()).isEqualTo("callers[2].api-key-sha256 is listed twice (also at callers[0])");
        assertThat(report.get("findings").get(3).has("line")).isFalse();
        assertNoSecretIn(stdout());
    }

    @Test
    void settingsTheBrokerWouldRefuseAreNamedWithoutTheirValue() {
        assertThat(check(Map.of("tokenbroker.upstream.timeout", "p8e-TESTSECRET-in-a-setting",
                "tokenbroker.upstream.alowed-hosts", "x"), "--callers", "unused")).isEqualTo(1);
        assertThat(stdout().lines()).contains(
                "error (settings): tokenbroker.upstream.timeout has a value that is not valid for it",
                "error (settings): tokenbroker.upstream.alowed-hosts is not a setting of the broker (misspelt?)");
        assertNoSecretIn(stdout());
    }

    @Test
    void usageErrorsExitTwo() {
        for (List<String> args : List.of(List.of("--format", "yaml"), List.of("--credentials"), List.of("--what"),
                List.of("--callers", "a", "--callers", "b"), List.of("--callers="))) {
            out.reset();
            err.reset();
            assertThat(check(Map.of(), args.toArray(String[]::new))).as(args.toString()).isEqualTo(2);
            assertThat(stderr()).as(args.toString()).startsWith("token-broker: check: ").contains("usage:");
            assertThat(stdout()).isEmpty();
        }
        out.reset();
        assertThat(check(Map.of(), "--help")).isZero();
        assertThat(stdout()).startsWith("usage:");
    }

    @Test
    void whatTheBrokerIgnoresOrCannotUseIsAWarning() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("client_secret"), Fixtures.CLIENT_SECRET);
        Files.createDirectories(empty.resolve("..2026_12_02_00_00_00.1"));
        Path callers = Files.writeString(dir.resolve("callers.yaml"), """
                callers:
                  - name: ops
                    api-key-sha256: %s
                    purge: [adobe-admin, "*"]
                """.formatted(Fixtures.sha256(Fixtures.OPS_KEY)));
        assertThat(check(Map.of(), "--credentials", empty.toString(), "--callers", callers.toString())).isZero();
        assertThat(stdout().lines()).containsExactly(
                "warning " + empty.resolve("client_secret") + ": ignored by the broker: not a directory (each credential"
                        + " is a directory of files)",
                "warning " + empty + ": holds no credential",
                "warning " + callers + ":2: callers[0].purge names credential adobe-admin, which " + empty + " does not hold",
                "checked 0 credentials, 1 caller: 0 errors, 3 warnings");
        assertNoSecretIn(stdout());
    }

    @Test
    void anUnreadableDirectoryOrFileIsAnError() throws Exception {
        Path file = Files.writeString(dir.resolve("big.yaml"), "#".repeat(3 * 1024 * 1024));
        assertThat(check(Map.of(), "--credentials", dir.resolve("none").toString(), "--callers", file.toString())).isEqualTo(1);
        assertThat(stdout().lines()).containsExactly(
                "error " + dir.resolve("none") + ": the credentials directory cannot be read (NoSuchFileException)",
                "error " + file + ": the callers file is larger than 2 MiB",
                "nothing checked: 2 errors, 0 warnings");
    }

    @Test
    void anEnvironmentVariableThatNamesNoSettingIsAnErrorAndTheFilesAreCheckedStill() {
        ShippedConfiguration shipped = ShippedConfiguration.good(dir);
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        Map<String, String> environment = Map.of("TOKENBROKER_TOKENS_MIN_TTLL", "10s", "TOKENBROKER_TOKENS_MIN_TTL", "10s");
        assertThat(new CheckCommand(o, o, () -> BrokerSettings.read(ALLOW_IMS), environment)
                .run(new ArrayList<>(List.of("--credentials", shipped.credentials().toString(), "--callers",
                        shipped.callers().toString())))).isEqualTo(1);
        assertThat(stdout().lines()).containsExactly("error (settings): environment variable TOKENBROKER_TOKENS_MIN_TTLL names no"
                        + " tokenbroker setting (misspelt?); see docs/configuration.md",
                "checked 2 credentials, 2 callers: 1 error, 0 warnings");
    }

    @Test
    void aFederatedCredentialNeedsNoSecretAndABadTokenFileIsAnError() throws Exception {
        ProjectedToken good = ProjectedToken.offline();
        String token = good.write(good.issue("https://keycloak.example/realms/apps"));
        ProjectedToken expired = ProjectedToken.offline();
        String old = expired.write(expired.expired("https://keycloak.example/realms/apps"));
        Path credentials = Files.createDirectories(dir.resolve("credentials"));
        federated(credentials.resolve("apps"), good.file());
        federated(credentials.resolve("stale"), expired.file());

        assertThat(check(Map.of(), "--credentials", credentials.toString())).isEqualTo(1);

        assertThat(stdout().lines()).hasSize(2);
        assertThat(stdout()).startsWith("error " + credentials.resolve("stale/federated_token_file") + ": names "
                + expired.file() + ", which holds a JWT that expired at ")
                .endsWith("checked 2 credentials: 1 error, 0 warnings\n")
                .doesNotContain(token.split("\\.")[2]).doesNotContain(old.split("\\.")[2]);
    }

    private static void federated(Path credential, Path tokenFile) throws Exception {
        Files.createDirectories(credential);
        Files.writeString(credential.resolve("client_id"), "token-broker");
        Files.writeString(credential.resolve("scopes"), "openid");
        Files.writeString(credential.resolve("token_url"), "https://keycloak.example/realms/apps/protocol/openid-connect/token");
        Files.writeString(credential.resolve("auth_method"), "federated");
        Files.writeString(credential.resolve("federated_token_file"), tokenFile.toString());
    }

    private int check(Map<String, String> settings, String... args) {
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        return new CheckCommand(o, e, () -> BrokerSettings.read(settings)).run(new ArrayList<>(List.of(args)));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aCallersDirectoryIsCheckedFileByFileAndARepeatInALaterFileNamesBothPlaces() throws Exception {
        Path callers = Files.createDirectories(dir.resolve("callers"));
        Path a = Files.writeString(callers.resolve("a-team.yaml"), """
                callers:
                  - name: payments
                    service-account: payments/*
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                """);
        Path b = Files.writeString(callers.resolve("b-team.yaml"), """
                callers:
                  - name: payments-too
                    service-account: payments/*
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                """);
        Path c = Files.writeString(callers.resolve("c-team.yaml"), """
                callers:
                  - name: typo
                    service-account: Payments/Billing
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                """);
        Files.writeString(callers.resolve(".hidden.yaml"), "not: [valid");
        Files.writeString(callers.resolve("notes.txt"), "not read");

        assertThat(check(Map.of("tokenbroker.kubernetes.issuer", "https://kubernetes.default.svc.cluster.local",
                "tokenbroker.kubernetes.jwks-url", "https://kubernetes.default.svc/openid/v1/jwks"),
                "--callers", callers.toString())).isEqualTo(1);

        assertThat(stdout().lines()).containsExactly(
                "error " + b + ":2: caller payments-too at " + b + ":2 is refused: its service-account is listed at "
                        + a + ":2 already",
                "error " + c + ":2: callers[0].service-account is not namespace/name or namespace/*",
                "checked 1 caller (grants not compared with credentials: none checked): 2 errors, 0 warnings");
    }

    private static void assertNoSecretIn(String output) {
        assertThat(output).doesNotContain(ShippedConfiguration.SECRETS);
    }
}
