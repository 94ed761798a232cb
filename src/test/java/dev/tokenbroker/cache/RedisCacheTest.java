package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import dev.tokenbroker.token.ScopeSet;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the shared tier writes to Redis, read back with a plain Redis client. */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class RedisCacheTest extends RedisBrokerTest {

    @Inject
    CacheKeys keys;

    @Inject
    CredentialRegistry registry;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeEach
    void forgetTheSetUpRequest() {
        logs.clear();
    }

    /** A JWT that ends in 10 minutes, answered with {@code expires_in: 86399}: the Redis key ends with the JWT. */
    @Test
    void redisKeyExpiresWithTheTokensTrueLife() {
        String jwt = new com.nimbusds.jwt.PlainJWT(new com.nimbusds.jwt.JWTClaimsSet.Builder()
                .expirationTime(java.util.Date.from(java.time.Instant.now().plusSeconds(600))).build()).serialize();
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":86399}")));

        token("openid");

        String name = keys.tokenName(registry.get(Fixtures.CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse("openid")), 0);
        assertThat(redisData.key().pttl(name)).isBetween(570_000L, 600_000L);
    }

    @Test
    void redisHoldsNoPlaintextTokenAndNoCredentialOrScopeNames() {
        String token = token("openid,user_management_sdk");
        List<String> names = redisData.key().keys("*");
        assertThat(names).hasSize(2); // the token and its credential's index
        for (String name : names) {
            assertThat(name).startsWith("tokenbroker:")
                    .doesNotContain(Fixtures.CREDENTIAL).doesNotContain("adobe")
                    .doesNotContain(Fixtures.CLIENT_ID).doesNotContain("openid").doesNotContain("user_management_sdk");
        }
        String tokenName = names.stream().filter(n -> n.startsWith("tokenbroker:t:")).findFirst().orElseThrow();
        byte[] value = redisData.value(byte[].class).get(tokenName);
        String asText = new String(value, StandardCharsets.ISO_8859_1);
        assertThat(asText).doesNotContain(token).doesNotContain(token.substring(token.length() - 16))
                .doesNotContain(Fixtures.CLIENT_ID).doesNotContain("openid");
    }

    @Test
    void keysExpireWithTheirToken() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(1800)));
        token("openid");
        for (String name : redisData.key().keys("*")) {
            assertThat(redisData.key().pttl(name)).as(name).isBetween(1_790_000L, 1_800_000L);
        }
    }

    @Test
    void coldReplicaIsServedFromRedisWithoutCallingIdentityProvider() {
        String token = token("openid");
        localCache.clear(); // what a replica that just started has
        assertThat(token("openid")).isEqualTo(token);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    /** A token from Redis is decided on the event loop (Redis asked without blocking); a mint goes to a worker. */
    @Test
    void tokenFromRedisIsDecidedOnTheEventLoop() {
        String token = token("openid");
        localCache.clear();
        assertThat(token("openid")).isEqualTo(token);
        assertThat(logs.messages("tokenbroker.audit")).hasSize(2).satisfiesExactly(
                line -> assertThat(line).contains(" tier=upstream "),
                line -> assertThat(line).contains(" tier=redis "));
        assertThat(logs.threads("tokenbroker.audit")).satisfiesExactly(
                thread -> assertThat(thread).startsWith("executor-thread-"),
                thread -> assertThat(thread).startsWith("vert.x-eventloop-thread-"));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void valueMovedToAnotherKeyDoesNotDecrypt() {
        String openidToken = token("openid");
        var credential = registry.get(Fixtures.CREDENTIAL).orElseThrow();
        String from = keys.tokenName(credential.tokenKey(ScopeSet.parse("openid")), 0);
        String to = keys.tokenName(credential.tokenKey(ScopeSet.parse("AdobeID")), 0);
        redisData.value(byte[].class).set(to, redisData.value(byte[].class).get(from));
        localCache.clear();

        String adobeIdToken = token("AdobeID");
        assertThat(adobeIdToken).isNotEqualTo(openidToken);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    private static String token(String scope) {
        return as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
