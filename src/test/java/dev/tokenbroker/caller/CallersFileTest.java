package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.tokenbroker.token.ScopeSet;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CallersFileTest {

    private static final String KEY_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; // "test"

    @Test
    void parsesTheContractExample() throws Exception {
        CallerPolicy policy = parse("""
                callers:
                  - name: billing
                    api-key-sha256: %s
                    service-account: payments/billing
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID, user_management_sdk]
                      - credential: analytics
                        scopes: ["*"]
                """.formatted(KEY_HASH.toUpperCase()));
        Caller billing = policy.byKeyDigest(HexFormat.of().parseHex(KEY_HASH)).orElseThrow();
        assertThat(billing.name()).isEqualTo("billing");
        assertThat(policy.byServiceAccount("payments/billing")).hasValue(billing);
        assertThat(billing.permits("adobe-admin", ScopeSet.parse("openid,AdobeID"))).isTrue();
        assertThat(billing.permits("adobe-admin", ScopeSet.parse("openid,read_organizations"))).isFalse();
        assertThat(billing.permits("analytics", ScopeSet.parse("anything"))).isTrue();
        assertThat(billing.hasGrantFor("other")).isFalse();
    }

    @Test
    void grantsForOneCredentialAddUp() throws Exception {
        Caller caller = parse("""
                callers:
                  - name: a
                    api-key-sha256: %s
                    grants:
                      - {credential: c, scopes: [x]}
                      - {credential: c, scopes: [y]}
                """.formatted(KEY_HASH)).callers().get(0);
        assertThat(caller.permits("c", ScopeSet.parse("x y"))).isTrue();
        assertThat(caller.permits("c", ScopeSet.parse("x z"))).isFalse();
    }

    @Test
    void emptyFileDeniesEveryone() throws Exception {
        assertThat(parse("").callers()).isEmpty();
        assertThat(parse("callers: []").byKeyDigest(HexFormat.of().parseHex(KEY_HASH))).isEmpty();
    }

    @Test
    void refusesMistakesWithoutQuotingKeys() {
        String[] broken = {
            "callers:\n  - name: a\n    grants: []\n",
            "callers:\n  - name: a\n    api-key-sha256: abc\n",
            "callers:\n  - name: a\n    api-key: raw-key-value\n",
            "callers:\n  - name: a\n    api-key-sha256: " + KEY_HASH + "\n  - name: a\n    service-account: ns/b\n",
            "callers:\n  - name: a\n    service-account: not-a-namespace-name\n",
            "callers:\n  - name: a\n    service-account: ns/b\n  - name: c\n    service-account: ns/b\n",
            "callers:\n  - name: a\n    api-key-sha256: " + KEY_HASH + "\n    grants:\n      - credential: Bad_Name\n        scopes: [x]\n",
            "callers:\n  - name: a\n    api-key-sha256: " + KEY_HASH + "\n    grants:\n      - credential: c\n        scopes: []\n",
            "callers:\n  - name: a\n    api-key-sha256: [raw-key-value\n",
        };
        for (String yaml : broken) {
            assertThatThrownBy(() -> parse(yaml)).as(yaml).isInstanceOf(CallersFile.InvalidCallersFile.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("raw-key-value"));
        }
    }

    @Test
    void oneServiceAccountNameMayBeListedOncePerCluster() throws Exception {
        CallerPolicy policy = CallersFile.parse("""
                callers:
                  - name: home
                    service-account: payments/billing
                  - name: away
                    service-account: payments/billing
                    cluster: east
                  - name: west
                    service-account: payments/billing
                    cluster: west-2
                """.getBytes(StandardCharsets.UTF_8), Set.of("east", "west-2"));
        assertThat(policy.byServiceAccount("payments/billing").map(Caller::name)).hasValue("home");
        assertThat(policy.byServiceAccount(Optional.of("east"), "payments/billing").map(Caller::name)).hasValue("away");
        assertThat(policy.byServiceAccount(Optional.of("west-2"), "payments/billing").map(Caller::name)).hasValue("west");
        assertThat(policy.byServiceAccount(Optional.of("north"), "payments/billing")).isEmpty();
    }

    @Test
    void aClusterThatIsNotConfiguredMakesTheFileUnusable() {
        String yaml = "callers:\n  - name: a\n    service-account: ns/b\n    cluster: east\n";
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(CallersFile.InvalidCallersFile.class)
                .hasMessageContaining("callers[0].cluster names east, which is not a cluster of tokenbroker.kubernetes.clusters");
        assertThatThrownBy(() -> CallersFile.parse(yaml.getBytes(StandardCharsets.UTF_8), Set.of("west")))
                .isInstanceOf(CallersFile.InvalidCallersFile.class).hasMessageContaining("names east");
    }

    @Test
    void refusesClusterMistakes() {
        Set<String> clusters = Set.of("east");
        String[] broken = {
            "callers:\n  - name: a\n    api-key-sha256: " + KEY_HASH + "\n    cluster: east\n",
            "callers:\n  - name: a\n    service-account: ns/b\n    cluster: East_1\n",
            "callers:\n  - name: a\n    service-account: ns/b\n    cluster: east\n  - name: c\n    service-account: ns/b\n    cluster: east\n",
        };
        for (String yaml : broken) {
            assertThatThrownBy(() -> CallersFile.parse(yaml.getBytes(StandardCharsets.UTF_8), clusters)).as(yaml)
                    .isInstanceOf(CallersFile.InvalidCallersFile.class).hasMessageContaining("callers[");
        }
    }

    @Test
    void readsEveryProblemWithTheLineOfItsEntryAndKeepsTheEntriesThatAreValid() {
        String other = KEY_HASH.replace('9', '8');
        CallersFile.Contents contents = read("""
                callers:
                  - name: good
                    api-key-sha256: %1$s
                    grants: [{credential: c, scopes: ["*"]}]
                  - name: short-digest
                    api-key-sha256: abc123
                  - name: twice
                    api-key-sha256: %1$s
                  - name: typo
                    api-kee-sha256: raw-key-value
                  - name: wrong-kind
                    api-key-sha256: %2$s
                    grants: {credential: c}
                  - name: fine-after-all
                    service-account: ns/fine
                """.formatted(KEY_HASH, other));
        assertThat(contents.problems()).extracting(CallersFile.Problem::line, CallersFile.Problem::message).containsExactly(
                tuple(5, "callers[1].api-key-sha256 is not 64 hex digits"),
                tuple(7, "callers[2].api-key-sha256 is listed twice (also at callers[0])"),
                tuple(10, "callers[3] has an unknown field api-kee-sha256 (a caller has name, api-key-sha256,"
                        + " service-account, cluster, grants, purge; a grant credential, scopes)"),
                tuple(13, "callers[4].grants has a value of the wrong kind"));
        assertThat(contents.callers()).extracting(CallersFile.Listed::index, CallersFile.Listed::line)
                .containsExactly(tuple(0, 2), tuple(5, 14));
        assertThat(contents.policy()).isEmpty();
        assertThat(contents.problems()).allSatisfy(p -> assertThat(p.message()).doesNotContain("raw-key-value", "abc123"));
    }

    @Test
    void aYamlSyntaxErrorIsReportedAtItsLine() {
        CallersFile.Contents contents = read("""
                callers:
                  - name: a
                    api-key-sha256: %s
                  - name: "unterminated
                    grants: []
                """.formatted(KEY_HASH));
        assertThat(contents.problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).isEqualTo("not valid callers YAML at line 6, column 1: found unexpected end of stream"
                    + " (while scanning a quoted scalar at line 4, column 11)");
            assertThat(p.line()).isEqualTo(4);
        });
    }

    @Test
    void theBrokerRefusesAFileNamingItsFirstProblemAndHowManyMore() {
        assertThatThrownBy(() -> parse("""
                callers:
                  - name: a
                    api-key-sha256: abc
                  - name: a
                    service-account: not-namespaced
                """)).isInstanceOf(CallersFile.InvalidCallersFile.class)
                .hasMessage("callers[0].api-key-sha256 is not 64 hex digits (line 2) and 2 more problems");
    }

    @Test
    void aDocumentThatIsNotAMappingOrHasOtherFieldsIsRefused() {
        assertThat(read("- name: a\n").problems()).extracting(CallersFile.Problem::message)
                .containsExactly("not valid callers YAML: expected a mapping with callers");
        assertThat(read("callers: []\ncallerz: []\n").problems()).extracting(CallersFile.Problem::line, CallersFile.Problem::message)
                .containsExactly(tuple(2, "has an unknown field at the top (only callers, bounds)"));
        assertThat(read("callers: {name: a}\n").problems()).extracting(CallersFile.Problem::message)
                .containsExactly("callers is not a list");
        assertThat(read("# nothing yet\n").problems()).extracting(CallersFile.Problem::message)
                .containsExactly("not valid callers YAML: no document, only comments");
        assertThat(read("---\n").policy()).hasValue(CallerPolicy.DENY_ALL);
        assertThat(read("callers:\n").policy()).hasValue(CallerPolicy.DENY_ALL);
    }

    private static CallersFile.Contents read(String yaml) {
        return CallersFile.read(yaml.getBytes(StandardCharsets.UTF_8));
    }

    private static CallerPolicy parse(String yaml) throws CallersFile.InvalidCallersFile {
        return CallersFile.parse(yaml.getBytes(StandardCharsets.UTF_8));
    }
}
