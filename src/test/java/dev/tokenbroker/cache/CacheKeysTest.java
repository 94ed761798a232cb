package dev.tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenKey;
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
            ScopeSet.parse("openid,AdobeID"));

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
