package dev.tokenbroker.fleet;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RedisProcess;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two packaged brokers on one Redis, half way through a rolling encryption-key rotation: one already seals with the
 * new key (the old one listed as previous), the other still seals with the old key. A purge on either reaches what
 * the other sealed and the other's in-process tier. Each test uses its own scope set.
 */
class KeyRotationFleetIT {

    private static RedisProcess redis;
    private static WireMockServer ims;
    private static BrokerProcess rotated;
    private static BrokerProcess notYet;

    @BeforeAll
    static void startFleet() throws Exception {
        redis = new RedisProcess(List.of());
        redis.start();
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        Map<String, String> settings = FleetSettings.of(redis.uri(), "http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        String oldKey = randomKey();
        Map<String, String> old = new HashMap<>(settings);
        old.put("tokenbroker.cache.encryption-key", oldKey);
        Map<String, String> next = new HashMap<>(settings);
        next.put("tokenbroker.cache.encryption-key", randomKey());
        next.put("tokenbroker.cache.previous-encryption-keys", oldKey);
        CompletableFuture<BrokerProcess> starting = CompletableFuture.supplyAsync(() -> BrokerProcess.start("rotated", next));
        notYet = BrokerProcess.start("not-yet-rotated", old);
        rotated = starting.get();
    }

    @AfterAll
    static void stopFleet() {
        for (BrokerProcess broker : new BrokerProcess[] { rotated, notYet }) {
            if (broker != null) {
                broker.stop();
            }
        }
        if (ims != null) {
            ims.stop();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @BeforeEach
    void resetIms() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
    }

    @Test
    void rotatedReplicaServesWhatTheOtherSealedAndItsPurgeReachesTheOther() throws Exception {
        String before = notYet.token("openid");
        assertThat(rotated.token("openid")).as("read under the previous key").isEqualTo(before);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);

        assertThat(rotated.purge()).isEqualTo(204);
        assertThat(redis.command("KEYS", "tokenbroker:t:*")).as("tokens left in Redis").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> !notYet.token("openid").equals(before));
    }

    @Test
    void purgeByTheReplicaWithoutTheNewKeyReachesWhatTheRotatedOneSealed() throws Exception {
        String before = rotated.token("AdobeID");
        assertThat(rotated.token("AdobeID")).isEqualTo(before);

        assertThat(notYet.purge()).isEqualTo(204);
        // The rotated replica hears the purge by its old key's name, drops its copy, and deletes what it sealed under
        // the new key (which the purging replica cannot name).
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("KEYS", "tokenbroker:t:*").isEmpty());
        String after = rotated.token("AdobeID");
        assertThat(after).isNotEqualTo(before);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
