package dev.tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenKey;
import dev.tokenbroker.token.TokenParams;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CacheKeysTest {

    private static final String KEY_A = randomKey();
    private static final String KEY_B = randomKey();
    private static final TokenKey TOKEN_KEY = new TokenKey("adobe-admin", "client", "https://ims/token",
            ScopeSet.parse("openid,AdobeID"), TokenParams.NONE);

    @Test
    void sealedValueOpensOnlyUnderItsOwnName() {
        CacheKeys keys = keys(Optional.of(KEY_A), List.of());
        String name = keys.tokenName(TOKEN_KEY, 0);
        byte[] sealed = keys.seal("secret token".getBytes(StandardCharsets.UTF_8), name);
        assertThat(keys.open(sealed, name, 0)).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("secret token"));
        assertThat(keys.open(sealed, name + "x", 0)).isEmpty();
    }

    @Test
    void everySealUsesAFreshNonce() {
        CacheKeys keys = keys(Optional.of(KEY_A), List.of());
        byte[] one = keys.seal(new byte[] {1, 2, 3}, "n");
        byte[] two = keys.seal(new byte[] {1, 2, 3}, "n");
        assertThat(one).isNotEqualTo(two);
    }

    @Test
    void tamperedValueDoesNotOpen() {
        CacheKeys keys = keys(Optional.of(KEY_A), List.of());
        byte[] sealed = keys.seal(new byte[] {1, 2, 3}, "n");
        sealed[sealed.length - 1] ^= 1;
        assertThat(keys.open(sealed, "n", 0)).isEmpty();
    }

    @Test
    void previousKeyStillOpensWhatItSealedAfterRotation() {
        CacheKeys before = keys(Optional.of(KEY_A), List.of());
        String oldName = before.tokenName(TOKEN_KEY, 0);
        byte[] sealed = before.seal(new byte[] {7}, oldName);

        CacheKeys after = keys(Optional.of(KEY_B), List.of(KEY_A));
        assertThat(after.size()).isEqualTo(2);
        assertThat(after.tokenName(TOKEN_KEY, 1)).isEqualTo(oldName);
        assertThat(after.tokenName(TOKEN_KEY, 0)).isNotEqualTo(oldName);
        assertThat(after.open(sealed, oldName, 1)).isPresent();
        assertThat(after.open(sealed, oldName, 0)).isEmpty();
    }

    @Test
    void keyNamesRevealNeitherCredentialNorScopes() {
        String name = keys(Optional.of(KEY_A), List.of()).tokenName(TOKEN_KEY, 0);
        assertThat(name).matches("tokenbroker:t:\\{[0-9a-f]{32}\\}[0-9a-f]{32}");
    }

    @Test
    void tokenParamsMakeAnotherKeyNameAndRepeatsAndOrderCount() {
        CacheKeys keys = keys(Optional.of(KEY_A), List.of());
        TokenKey auth0Api = withParams("audience=https://api.example.com");
        TokenKey otherApi = withParams("audience=https://other.example.com");
        TokenKey twoResources = withParams("resource=https://a\nresource=https://b");
        TokenKey swapped = withParams("resource=https://b\nresource=https://a");

        assertThat(List.of(TOKEN_KEY, auth0Api, otherApi, twoResources, swapped))
                .extracting(key -> keys.tokenName(key, 0)).doesNotHaveDuplicates();
        assertThat(keys.lockName(auth0Api)).isNotEqualTo(keys.lockName(otherApi));
        assertThat(keys.tokenName(auth0Api, 0)).doesNotContain("example");
    }

    /**
     * Without token_params a name is what it was before they existed: a replica of the earlier version and one of
     * this version share the tokens of such credentials during a rollout, and never those of one with params.
     */
    @Test
    void keyNameWithoutTokenParamsIsUnchangedFromEarlierVersions() throws Exception {
        Mac names = Mac.getInstance("HmacSHA256");
        Mac root = Mac.getInstance("HmacSHA256");
        root.init(new SecretKeySpec(Base64.getDecoder().decode(KEY_A), "HmacSHA256"));
        names.init(new SecretKeySpec(root.doFinal("tokenbroker/key-names".getBytes(StandardCharsets.UTF_8)), "HmacSHA256"));
        String earlier = HexFormat.of().formatHex(names.doFinal(
                "token\u0000adobe-admin\u0000client\u0000https://ims/token\u0000AdobeID openid".getBytes(StandardCharsets.UTF_8)), 0, 16);

        CacheKeys keys = keys(Optional.of(KEY_A), List.of());
        assertThat(keys.tokenName(TOKEN_KEY, 0)).endsWith("}" + earlier);
        assertThat(keys.tokenName(withParams("audience=https://api.example.com"), 0)).doesNotEndWith("}" + earlier);
    }

    private static TokenKey withParams(String file) {
        return new TokenKey(TOKEN_KEY.credential(), TOKEN_KEY.clientId(), TOKEN_KEY.tokenUrl(), TOKEN_KEY.scopes(),
                TokenParams.parse(file));
    }

    @Test
    void wrongKeyLengthIsRefusedWithHowToMakeOne() {
        assertThatThrownBy(() -> keys(Optional.of(Base64.getEncoder().encodeToString(new byte[16])), List.of()))
                .hasMessageContaining("32 bytes").hasMessageContaining("head -c 32 /dev/urandom | base64");
        assertThatThrownBy(() -> keys(Optional.of("not base64!"), List.of())).hasMessageContaining("base64");
    }

    @Test
    void redisWithoutEncryptionKeyRefusesToStart() {
        assertThatThrownBy(() -> RedisSettingsCheck.requireEncryptionKey(true, false))
                .hasMessageContaining("tokenbroker.cache.encryption-key")
                .hasMessageContaining("head -c 32 /dev/urandom | base64");
        RedisSettingsCheck.requireEncryptionKey(false, false);
        RedisSettingsCheck.requireEncryptionKey(true, true);
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** A config tree with only the cache settings these tests need. */
    static CacheKeys keys(Optional<String> current, List<String> previous) {
        TokenBrokerConfig.Cache cache = proxy(TokenBrokerConfig.Cache.class, (method) -> switch (method) {
            case "encryptionKey" -> current;
            case "previousEncryptionKeys" -> Optional.of(previous);
            case "keyPrefix" -> "tokenbroker:";
            default -> throw new UnsupportedOperationException(method);
        });
        return new CacheKeys(proxy(TokenBrokerConfig.class, method -> cache));
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, java.util.function.Function<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, method, args) -> answers.apply(method.getName()));
    }
}
