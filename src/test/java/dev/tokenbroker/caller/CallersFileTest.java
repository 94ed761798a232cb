package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
                .hasMessage("callers[0].cluster names east, which is not a cluster of tokenbroker.kubernetes.clusters");
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

    private static CallerPolicy parse(String yaml) throws CallersFile.InvalidCallersFile {
        return CallersFile.parse(yaml.getBytes(StandardCharsets.UTF_8));
    }
}
