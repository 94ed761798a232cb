package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ShippedConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
