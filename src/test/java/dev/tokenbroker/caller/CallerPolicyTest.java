package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy's look-ups: by the SHA-256 of a static key and by ServiceAccount, built once per load. */
class CallerPolicyTest {

    private static final String KEY = "tb-lookup-key-5d1c9e7a3b2f4c6e";

    @Test
    void findsTheCallerOfAKeyAmongTenThousand() throws Exception {
        List<Caller> callers = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            callers.add(caller("caller-" + i, Optional.of(hex("key-" + i)), Optional.of("ns/account-" + i)));
        }
        CallerPolicy policy = new CallerPolicy(callers);

        assertThat(policy.byKeyDigest(sha256("key-9999")).map(Caller::name)).hasValue("caller-9999");
        assertThat(policy.byKeyDigest(sha256("key-0")).map(Caller::name)).hasValue("caller-0");
        assertThat(policy.byServiceAccount("ns/account-9999").map(Caller::name)).hasValue("caller-9999");
        assertThat(policy.byKeyDigest(sha256("key-10000"))).isEmpty();
        assertThat(policy.byServiceAccount("ns/account-10000")).isEmpty();
    }

    @Test
    void aKeyListedTwiceIsAnInvalidFileAndInAPolicyTheFirstCallerWins() throws Exception {
        String yaml = """
                callers:
                  - name: first
                    api-key-sha256: %1$s
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                  - name: second
                    api-key-sha256: %1$s
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                """.formatted(hex(KEY));
        assertThatThrownBy(() -> CallersFile.parse(yaml.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CallersFile.InvalidCallersFile.class)
                .hasMessageContaining("callers[1].api-key-sha256")
                .hasMessageContaining("listed twice")
                .hasMessageNotContaining(hex(KEY));

        CallerPolicy policy = new CallerPolicy(List.of(
                caller("first", Optional.of(hex(KEY)), Optional.empty()),
                caller("second", Optional.of(hex(KEY)), Optional.empty())));
        assertThat(policy.byKeyDigest(sha256(KEY)).map(Caller::name)).hasValue("first");
    }

    @Test
    void aCallerWithBothAKeyAndAServiceAccountIsFoundByEither() throws Exception {
        CallerPolicy policy = CallersFile.parse("""
                callers:
                  - name: keys-only
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                  - name: both
                    api-key-sha256: %s
                    service-account: payments/billing
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                """.formatted(hex("other-key"), hex(KEY)).getBytes(StandardCharsets.UTF_8));

        Caller both = policy.byKeyDigest(sha256(KEY)).orElseThrow();
        assertThat(both.name()).isEqualTo("both");
        assertThat(policy.byServiceAccount("payments/billing")).containsSame(both);
        assertThat(policy.byKeyDigest(sha256("other-key")).map(Caller::name)).hasValue("keys-only");
        assertThat(policy.byServiceAccount("payments/keys-only")).isEmpty();
    }

    @Test
    void aDigestOfAnotherLengthFindsNoCaller() {
        CallerPolicy policy = new CallerPolicy(List.of(caller("a", Optional.of(hex(KEY)), Optional.empty())));
        assertThat(policy.byKeyDigest(new byte[0])).isEmpty();
        assertThat(policy.byKeyDigest(java.util.Arrays.copyOf(sha256(KEY), 31))).isEmpty();
    }

    static Caller caller(String name, Optional<String> keyHex, Optional<String> account) {
        return new Caller(name, keyHex, account, List.of(), Set.of());
    }

    static String hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
