package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.Fixtures.CREDENTIAL;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenKey;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A purge holds: it removes what was sealed under every configured key, and a token sealed before it is never served
 * again, even when its ciphertext is written back to Redis.
 */
@QuarkusTest
@WithTestResource(RotatedKeysRedisResource.class)
@WithTestResource(ImsResource.class)
class PurgeRevocationTest extends RedisBrokerTest {

    @Inject
    CacheKeys keys;

    @Inject
    CredentialRegistry registry;

    @Inject
    ObjectMapper json;

    @Test
    void tokenSealedUnderThePreviousKeyIsServedFromRedisAndPurgedWithTheRest() throws Exception {
        TokenKey key = registry.get(CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse("openid"));
        // What a replica that holds only the previous key (not yet rotated) wrote.
        CacheKeys previous = CacheKeysTest.keys(Optional.of(RotatedKeysRedisResource.PREVIOUS_KEY), List.of());
        String name = previous.tokenName(key, 0);
        String index = previous.credentialIndexName(CREDENTIAL, 0);
        assertThat(keys.tokenName(key, 1)).isEqualTo(name);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Token old = new Token("eyJhbGciOiJSUzI1NiJ9.sealed-under-the-previous-key", "bearer", now, now.plus(Duration.ofDays(1)));
        byte[] sealed = previous.seal(json.writeValueAsBytes(RedisTokens.Stored.of(old, 0, key.scopes().join(" "))), name);
        redisData.value(byte[].class).set(name, sealed, new SetArgs().pxAt(old.expiresAt()));
        redisData.set(String.class).sadd(index, name);

        assertThat(token()).isEqualTo(old.accessToken());
        assertThat(Ims.tokenRequests(ims)).isZero();

        as(OPS_KEY).when().delete("/tokens/" + CREDENTIAL).then().statusCode(204);
        assertThat(redisData.key().exists(name)).isFalse();
        assertThat(redisData.key().exists(index)).isFalse();
        assertThat(token()).isNotEqualTo(old.accessToken());
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void ciphertextWrittenBackAfterAPurgeIsNotServed() {
        String purged = token();
        String name = keys.tokenName(registry.get(CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse("openid")), 0);
        byte[] sealed = redisData.value(byte[].class).get(name);
        assertThat(sealed).isNotNull();

        as(OPS_KEY).when().delete("/tokens/" + CREDENTIAL).then().statusCode(204);
        redisData.value(byte[].class).set(name, sealed);
        localCache.clear();

        assertThat(token()).isNotEqualTo(purged);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    /** Written back together with the generation it was sealed under, it is still refused: the replica remembers. */
    @Test
    void olderPurgeGenerationWrittenBackDoesNotRevivePurgedTokens() {
        String purged = token();
        String name = keys.tokenName(registry.get(CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse("openid")), 0);
        String generation = keys.generationName(CREDENTIAL, 0);
        byte[] sealed = redisData.value(byte[].class).get(name);
        byte[] generationBefore = redisData.value(byte[].class).get(generation);

        as(OPS_KEY).when().delete("/tokens/" + CREDENTIAL).then().statusCode(204);
        redisData.value(byte[].class).set(name, sealed);
        if (generationBefore == null) {
            redisData.key().del(generation);
        } else {
            redisData.value(byte[].class).set(generation, generationBefore);
        }
        localCache.clear();

        assertThat(token()).isNotEqualTo(purged);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    private static String token() {
        return as(OPS_KEY).queryParam("credential", CREDENTIAL).queryParam("scope", "openid").when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
