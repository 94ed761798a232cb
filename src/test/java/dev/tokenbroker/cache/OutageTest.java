package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis and the identity provider going away and coming back, while callers keep asking. */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class OutageTest extends RedisBrokerTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @Test
    void redisStoppedAndStartedUnderLoadFailsNoRequestAndIsUsedAgain() throws Exception {
        String cached = token(OPS_KEY, "openid");
        AtomicBoolean running = new AtomicBoolean(true);
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
            while (running.get()) {
                statuses.add(RestAssured.given().header("Authorization", "Bearer " + OPS_KEY)
                        .queryParam("credential", "adobe-admin").queryParam("scope", "openid")
                        .when().get("/tokens").statusCode());
            }
        });
        try {
            redis.stop();
            // A token this replica has keeps being served; a new one is minted with in-process single flight.
            assertThat(token(OPS_KEY, "openid")).isEqualTo(cached);
            token(OPS_KEY, "AdobeID");
            await().until(() -> RestAssured.given().when().get(readiness).then().extract().path("checks[0].data.cache")
                    .equals("memory (redis unavailable)"));
            RestAssured.given().when().get(readiness).then().statusCode(200).body("status", equalTo("UP"));

            redis.start();
            // Used again without a restart: a new token lands in Redis.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                token(OPS_KEY, "user_management_sdk");
                localCache.clear();
                return redisData.key().keys("tokenbroker:t:*").size() > 0;
            });
            RestAssured.given().when().get(readiness).then().body("checks[0].data.cache", equalTo("memory,redis"));
        } finally {
            running.set(false);
            load.get();
        }
        assertThat(statuses).isNotEmpty().allMatch(s -> s == 200);
    }

    /**
     * A Redis that stops answering (SIGSTOP: connections stay open) holds no request up for ever: the in-process tier
     * answers without asking it; a GET that gets no answer gives up after quarkus.redis.timeout (2 s) and the token
     * is minted in process; after that the broker stops asking Redis, so the next request does not wait for it,
     * until a check (every redis-check-interval) finds it answering again.
     */
    @Test
    void redisThatHangsHoldsUpNoRequestForEver() {
        String cached = token(OPS_KEY, "openid");
        String stored = token(OPS_KEY, "AdobeID");
        redis.pause();
        try {
            assertThat(token(OPS_KEY, "openid")).isEqualTo(cached);
            localCache.clear();
            String minted = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> token(OPS_KEY, "AdobeID"));
            assertThat(minted).isNotEqualTo(stored);
            RestAssured.given().when().get(readiness).then().statusCode(200)
                    .body("checks[0].data.cache", equalTo("memory (redis unavailable)"))
                    .body("checks[0].data.redis", startsWith("MGET unresponsive: TimeoutException"));
            localCache.clear();
            // Less than one Redis timeout: this request did not wait for Redis.
            assertTimeoutPreemptively(Duration.ofMillis(1500), () -> token(OPS_KEY, "AdobeID"));
        } finally {
            redis.resume();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            localCache.clear();
            token(OPS_KEY, "openid");
            return "memory,redis".equals(RestAssured.given().when().get(readiness).then().extract().path("checks[0].data.cache"));
        });
    }

    @Test
    void identityProviderDownServesCachedTokensThen503ThenRecovers() {
        String cached = token(OPS_KEY, "openid");
        ims.stop();
        try {
            assertThat(token(OPS_KEY, "openid")).isEqualTo(cached);
            as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("scope", "AdobeID").when().get("/tokens")
                    .then().statusCode(503).body("code", equalTo("upstream_unavailable")).header("Retry-After", notNullValue());
        } finally {
            ims.start();
        }
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll();
        Ims.issuesTokens(ims, 86399);
        token(OPS_KEY, "AdobeID");
    }

    @Test
    void refreshThatFailsWhileTheProviderIsDownSucceedsOnceItIsBack() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(8)));
        logs.clear();
        Instant asked = Instant.now();
        String first = tokenAnyTtl();
        ims.stop();
        try {
            // Past the refresh point the refresh fails, and the cached token is still served.
            await().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofSeconds(7))
                    .until(() -> tokenAnyTtl().equals(first) && refreshFailures() > 0);
        } finally {
            ims.start();
        }
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll();
        await().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() -> !tokenAnyTtl().equals(first));
        // By a refresh: before the first token expired, and no request minted it (each came from a cache).
        assertThat(Instant.now()).isBefore(asked.plus(Duration.ofSeconds(8)));
        List<String> audit = logs.messages("tokenbroker.audit");
        assertThat(audit).hasSizeGreaterThan(2);
        assertThat(audit.subList(1, audit.size())).allSatisfy(line -> assertThat(line).containsAnyOf(" tier=memory ", " tier=redis "));
    }

    @Test
    void purgeDropsEveryCachedTokenOfACredential() {
        String before = token(OPS_KEY, "openid");
        as(BILLING_KEY).when().delete("/tokens/adobe-admin")
                .then().statusCode(403).contentType("application/problem+json").body("code", equalTo("forbidden"));
        as(OPS_KEY).when().delete("/tokens/adobe-admin").then().statusCode(204);
        assertThat(redisData.key().keys("tokenbroker:t:*")).isEmpty();
        assertThat(token(OPS_KEY, "openid")).isNotEqualTo(before);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    /**
     * A purge that cannot reach Redis says so (the other replicas keep their tokens) and works once Redis answers;
     * the audit log has both.
     */
    @Test
    void purgeThatCannotReachRedisSaysSoAndWorksOnceRedisIsBack() {
        String before = token(OPS_KEY, "openid");
        redis.pause();
        try {
            as(OPS_KEY).when().delete("/tokens/adobe-admin").then().statusCode(503)
                    .contentType("application/problem+json").body("code", equalTo("cache_unavailable"))
                    .header("Retry-After", notNullValue());
        } finally {
            redis.resume();
        }
        assertThat(redisData.key().keys("tokenbroker:t:*")).as("the tokens the purge could not drop").isNotEmpty();
        as(OPS_KEY).when().delete("/tokens/adobe-admin").then().statusCode(204);
        assertThat(redisData.key().keys("tokenbroker:t:*")).isEmpty();
        assertThat(token(OPS_KEY, "openid")).isNotEqualTo(before);
        assertThat(logs.messages("tokenbroker.audit")).filteredOn(line -> line.startsWith("event=token_purge")).satisfiesExactly(
                line -> assertThat(line).matches("event=token_purge caller=ops method=api-key credential=adobe-admin scopes=-"
                        + " outcome=cache_unavailable status=503 tier=none peer=127\\.0\\.0\\.1:\\d+"),
                line -> assertThat(line).isEqualTo(
                        "event=token_purge caller=ops method=api-key credential=adobe-admin scopes=- outcome=ok status=204 tier=none"));
    }

    private double refreshFailures() {
        String metrics = RestAssured.given().when().get(readiness.toString().replace("health/ready", "metrics")).asString();
        return metrics.lines().filter(l -> l.startsWith("tokenbroker_refreshes_total") && l.contains("result=\"failure\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String tokenAnyTtl() {
        return as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "0").when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }

    private static String token(String key, String scope) {
        return as(key).queryParam("credential", "adobe-admin").queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
