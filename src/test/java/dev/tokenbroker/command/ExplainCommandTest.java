package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ShippedConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain} in this JVM: the decision GET /tokens would make, with the grant (file and line) that allows it or
 * the code and reason of the refusal, and its exit codes (docs/operations.md, Why was this refused?).
 */
class ExplainCommandTest {

    /** The shipped credentials' token endpoint is IMS; a further cluster, so that entries may name it. */
    private static final Map<String, String> SETTINGS = Map.of("tokenbroker.upstream.allowed-hosts", "*.adobelogin.com",
            "tokenbroker.kubernetes.clusters.eu-west.issuer", "https://eu-west.example.org");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private ShippedConfiguration shipped;
    private Path callers;

    @BeforeEach
    void configuration() {
        shipped = ShippedConfiguration.good(dir);
        shipped.writeCallers("""
                callers:
                  - name: billing
                    api-key-sha256: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID, user_management_sdk]
                  - name: payments
                    service-account: payments/billing
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                  - name: far
                    service-account: payments/reader
                    cluster: eu-west
                    grants:
                      - credential: analytics
                        scopes: ["*"]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));
        callers = shipped.callers();
    }

    @Test
    void anAllowedRequestNamesTheEntryAndTheGrantWithTheirLines() {
        assertThat(explain("--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "adobe-admin",
                "--scope", "openid", "--scope", "AdobeID")).isZero();
        assertThat(stdout()).isEqualTo("allowed: caller billing (" + callers + ":2) gets adobe-admin with scopes \"AdobeID openid\"\n"
                + "  granted by: " + callers + ":5 grants[0] credential adobe-admin scopes \"AdobeID openid user_management_sdk\"\n");
        assertNoSecret();
    }

    @Test
    void withoutScopeTheDefaultScopesThatTheGrantHoldsAreAskedFor() {
        assertThat(explain("--service-account", "payments/billing", "--credential", "adobe-admin")).isZero();
        assertThat(stdout()).startsWith("allowed: caller payments (" + callers + ":7) gets adobe-admin with scopes \"openid\""
                + " (the credential's default scopes that its grants hold)\n");
        assertThat(explain("--service-account", "eu-west/payments/reader", "--credential", "analytics")).isZero();
    }

    @Test
    void aScopeThatNoGrantHoldsIsRefusedNamingIt() {
        assertThat(explain("--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "adobe-admin",
                "--scope", "openid read_organizations")).isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 403 forbidden (scopes_not_granted): caller billing (" + callers + ":2):"
                + " No grant for scopes: read_organizations.\n"
                + "  its grants for adobe-admin: " + callers + ":5 grants[0] credential adobe-admin scopes"
                + " \"AdobeID openid user_management_sdk\"\n");
        assertThat(explain("--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "adobe-admin",
                "--scope", "photoshop", "--scope", "openid")).isEqualTo(1);
    }

    @Test
    void aCredentialWithoutAGrantIsRefused() {
        assertThat(explain("--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "analytics")).isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 403 forbidden (no_grant_for_credential): caller billing (" + callers + ":2):"
                + " No grant for this credential.\n  its grants for analytics: none\n");
    }

    @Test
    void anUnknownServiceAccountIsRefused() {
        assertThat(explain("--service-account", "payments/nobody", "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 401 unknown_service_account: no entry of " + callers
                + " lists ServiceAccount payments/nobody of the default cluster\n");
        assertThat(explain("--key-sha256", "ab".repeat(32), "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 401 unknown_api_key: no entry of " + callers
                + " lists api-key-sha256 abababab…\n");
    }

    @Test
    void aServiceAccountOfAnotherClusterIsNotTheListedOne() {
        assertThat(explain("--service-account", "eu-west/payments/billing", "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 401 unknown_service_account: no entry of " + callers
                + " lists ServiceAccount payments/billing of eu-west\n"
                + "  " + callers + ":7 lists it for the default cluster (caller payments)\n");
        assertThat(explain("--service-account", "payments/reader", "--credential", "analytics")).isEqualTo(1);
        assertThat(stdout()).endsWith("  " + callers + ":12 lists it for cluster eu-west (caller far)\n");
    }

    @Test
    void aCredentialTheBrokerDoesNotLoadIsA404NamingWhy() {
        shipped.mount().update("adobe-admin", "scopes", "");
        assertThat(explain("--service-account", "payments/billing", "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 404 unknown_credential (credential_not_loaded): caller payments ("
                + callers + ":7): Credential adobe-admin is not loaded.\n"
                + "  " + shipped.credentials().resolve("adobe-admin").resolve("scopes") + ": missing or empty (the broker does not load it)\n"
                + "  its grants for adobe-admin: " + callers + ":10 grants[0] credential adobe-admin scopes \"openid\"\n");
    }

    @Test
    void anEntryDroppedForAProblemIsSaid() {
        shipped.writeCallers("""
                callers:
                  - name: billing
                    api-key-sha265: %s
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));
        assertThat(explain("--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).startsWith("refused: 401 caller_entry_not_loaded: the broker refuses " + callers
                + " (1 problem, the first at line 3: callers[0] has an unknown field api-key-sha265 (")
                .endsWith("; this caller's entry is at " + callers + ":2\n");
        assertNoSecret();
    }

    @Test
    void inADirectoryTheEntryOfALaterFileDecidesWithItsFileAndLine() throws Exception {
        Path teams = teams();
        assertThat(explainIn(teams, "--service-account", "payments/api", "--credential", "adobe-admin", "--scope", "AdobeID"))
                .isZero();
        assertThat(stdout()).startsWith("allowed: caller payments-api (" + teams.resolve("b-team.yaml") + ":2) gets"
                + " adobe-admin with scopes \"AdobeID\"\n"
                + "  granted by: " + teams.resolve("b-team.yaml") + ":5 grants[0] credential adobe-admin scopes \"AdobeID openid\"\n");
        assertThat(explainIn(teams, "--service-account", "payments/api", "--credential", "adobe-admin", "--scope", "user_management_sdk"))
                .isEqualTo(1);
        assertThat(stdout()).startsWith("refused: 403 forbidden (scopes_not_granted): caller payments-api ("
                + teams.resolve("b-team.yaml") + ":2): No grant for scopes: user_management_sdk.\n");
        assertNoSecret();
    }

    @Test
    void aRepeatInALaterFileIsRefusedAndTheEarlierEntryDecides() throws Exception {
        Path teams = teams();
        String repeat = "  note: caller grabs-billing at " + teams.resolve("b-team.yaml") + ":7 is refused: its api-key-sha256"
                + " is listed at " + teams.resolve("a-platform.yaml") + ":2 already\n";
        assertThat(explainIn(teams, "--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "analytics",
                "--scope", "openid")).as("the later entry's grant of analytics is not the broker's").isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 403 forbidden (no_grant_for_credential): caller billing ("
                + teams.resolve("a-platform.yaml") + ":2): No grant for this credential.\n"
                + "  its grants for analytics: none\n" + repeat);
        assertThat(explainIn(teams, "--key-sha256", Fixtures.sha256(Fixtures.BILLING_KEY), "--credential", "adobe-admin",
                "--scope", "openid")).isZero();
        assertThat(stdout()).startsWith("allowed: caller billing (" + teams.resolve("a-platform.yaml") + ":2)").endsWith(repeat);

        assertThat(explainIn(teams, "--service-account", "shop/web", "--credential", "analytics", "--scope", "openid"))
                .as("an entry refused for its name grants nothing to its ServiceAccount").isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 401 unknown_service_account: no entry the broker loads from " + teams
                + " lists ServiceAccount shop/web of the default cluster\n"
                + "  note: caller billing at " + teams.resolve("b-team.yaml") + ":12 is refused: its name is listed at "
                + teams.resolve("a-platform.yaml") + ":2 already\n");
        assertNoSecret();
    }

    @Test
    void aNamespaceEntryServesItsAccountsAndAnExactEntryBesideItTakesItsPlace() throws Exception {
        Path teams = teams();
        assertThat(explainIn(teams, "--service-account", "payments/reports", "--credential", "analytics", "--scope", "openid"))
                .isZero();
        assertThat(stdout()).isEqualTo("allowed: caller payments-all (" + teams.resolve("a-platform.yaml") + ":7,"
                + " service-account payments/*) gets analytics with scopes \"openid\"\n"
                + "  granted by: " + teams.resolve("a-platform.yaml") + ":10 grants[0] credential analytics scopes \"*\"\n");
        assertThat(explainIn(teams, "--service-account", "payments/api", "--credential", "analytics", "--scope", "openid"))
                .as("the exact entry's grants replace the namespace entry's").isEqualTo(1);
        assertThat(stdout()).isEqualTo("refused: 403 forbidden (no_grant_for_credential): caller payments-api ("
                + teams.resolve("b-team.yaml") + ":2): No grant for this credential.\n"
                + "  its grants for analytics: none\n"
                + "  note: " + teams.resolve("a-platform.yaml") + ":7 (caller payments-all) names payments/* too; the entry"
                + " naming the account itself takes its place\n");
        assertThat(explainIn(teams, "--service-account", "eu-west/payments/reports", "--credential", "analytics"))
                .as("a namespace of another cluster").isEqualTo(1);
    }

    @Test
    void aBrokenFileRefusesItsCallersAndIsLeftOutWithAWarningForTheOthers() throws Exception {
        Path teams = teams();
        Files.writeString(teams.resolve("c-broken.yaml"), """
                callers:
                  - name: orders
                    service-account: orders/api
                    grants:
                      - credential: adobe-admin
                        scope: [openid]
                  - name: orders-all
                    service-account: orders/*
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                """);
        Path broken = teams.resolve("c-broken.yaml");
        assertThat(explainIn(teams, "--service-account", "orders/api", "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).startsWith("refused: 401 caller_entry_not_loaded: the broker refuses " + broken
                + " (1 problem, the first at line 6: callers[0].grants[0] has an unknown field scope")
                .endsWith("; run check); a running broker keeps that file's last good version, which explain cannot see,"
                        + " and one starting now denies its callers; this caller's entry is at " + broken + ":2\n");
        assertThat(stdout().lines()).hasSize(1);
        assertThat(explainIn(teams, "--service-account", "orders/batch", "--credential", "adobe-admin"))
                .as("an account that only the broken file's namespace entry names").isEqualTo(1);
        assertThat(stdout()).startsWith("refused: 401 callers_file_not_loaded: the broker refuses " + broken)
                .endsWith("this caller's entry is at " + broken + ":7\n");

        assertThat(explainIn(teams, "--service-account", "payments/api", "--credential", "adobe-admin", "--scope", "openid"))
                .as("the other files' callers are explained, as the broker keeps serving them").isZero();
        assertThat(stdout()).startsWith("allowed: caller payments-api (" + teams.resolve("b-team.yaml") + ":2)")
                .contains("\n  warning: the broker refuses " + broken + " (1 problem, the first at line 6: ")
                .endsWith("; run check); a running broker keeps that file's last good version, which explain cannot see,"
                        + " and one starting now is not ready: explained without it\n");
    }

    @Test
    void aPolicyThatCannotBeReadDeniesEveryCaller() {
        Path missing = dir.resolve("no-such-dir").resolve("callers.yaml");
        assertThat(explainIn(missing, "--service-account", "payments/api", "--credential", "adobe-admin")).isEqualTo(1);
        assertThat(stdout()).startsWith("refused: 401 callers_not_loaded: the callers policy " + missing + " ")
                .endsWith(": the broker denies every caller\n");
    }

    @Test
    void usageErrorsExitTwo() {
        for (List<String> args : List.<List<String>>of(List.of(), List.of("--credential", "adobe-admin"),
                List.of("--service-account", "payments/billing", "--credential", "adobe-admin"),
                List.of("--callers", "c", "--credentials", "d", "--credential", "x"),
                List.of("--callers", "c", "--credentials", "d", "--credential", "x", "--service-account", "a/b",
                        "--key-sha256", "ab".repeat(32)),
                List.of("--callers", "c", "--credentials", "d", "--credential", "x", "--service-account", "nonamespace"),
                List.of("--callers", "c", "--credentials", "d", "--credential", "x", "--key-sha256", Fixtures.BILLING_KEY),
                List.of("--callers", "c", "--credentials", "d", "--credential", "x", "--service-account", "a/b", "--bogus"))) {
            err.reset();
            assertThat(new ExplainCommand(print(out), print(err), () -> BrokerSettings.read(SETTINGS)).run(new ArrayList<>(args)))
                    .as(args.toString()).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("token-broker: explain: ").doesNotContain(Fixtures.BILLING_KEY);
        }
    }

    /**
     * A callers directory of two teams' files: a-platform.yaml (billing by key at line 2, payments/* at line 7) and
     * b-team.yaml (payments/api at line 2; at line 7 billing's key again and at line 12 the name billing again, both
     * refused as repeats).
     */
    private Path teams() throws IOException {
        Path teams = Files.createDirectories(dir.resolve("callers.d"));
        Files.writeString(teams.resolve("a-platform.yaml"), """
                callers:
                  - name: billing
                    api-key-sha256: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                  - name: payments-all
                    service-account: payments/*
                    grants:
                      - credential: analytics
                        scopes: ["*"]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));
        Files.writeString(teams.resolve("b-team.yaml"), """
                callers:
                  - name: payments-api
                    service-account: payments/api
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID]
                  - name: grabs-billing
                    api-key-sha256: %s
                    grants:
                      - credential: analytics
                        scopes: ["*"]
                  - name: billing
                    service-account: shop/web
                    grants:
                      - credential: analytics
                        scopes: ["*"]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY)));
        Files.writeString(teams.resolve("notes.txt"), "not a callers file: skipped, as the broker skips it\n");
        return teams;
    }

    private int explainIn(Path callersPath, String... args) {
        Path before = callers;
        callers = callersPath;
        try {
            return explain(args);
        } finally {
            callers = before;
        }
    }

    private int explain(String... args) {
        out.reset();
        List<String> all = new ArrayList<>(List.of("--callers", callers.toString(), "--credentials", shipped.credentials().toString()));
        all.addAll(List.of(args));
        return new ExplainCommand(print(out), print(err), () -> BrokerSettings.read(SETTINGS)).run(all);
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private void assertNoSecret() {
        String all = stdout() + err.toString(StandardCharsets.UTF_8);
        ShippedConfiguration.SECRETS.forEach(secret -> assertThat(all).doesNotContain(secret));
    }
}
