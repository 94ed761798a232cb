package dev.tokenbroker.fleet;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tokenbroker.testing.Answers;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RedisProcess;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three packaged brokers on one Redis and one IMS: the identity provider's load does not grow with replicas
 * or callers. Each test uses its own scope set, so the replicas' in-process tiers do not carry over.
 */
class FleetIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RedisProcess redis;
    private static WireMockServer ims;
    private static Map<String, String> settings;
    private static final List<BrokerProcess> brokers = new ArrayList<>();

    @BeforeAll
    static void startFleet() throws Exception {
        redis = new RedisProcess(List.of());
        redis.start();
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true)
                .containerThreads(64));
        ims.start();
        settings = FleetSettings.of(redis.uri(), "http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        settings.putAll(Map.of(
                "tokenbroker.cache.lock-ttl", "6s",
                "tokenbroker.upstream.timeout", "6s",
                "tokenbroker.upstream.max-duration", "4s",
                "tokenbroker.tokens.refresh-retry-interval", "1s",
                // Callers here ask min_ttl=0; the default min_ttl (300 s, bounded by half a token's life) would make
                // refresh-ahead keep the 20-second tokens fresh for it, so twice a lifetime (docs/architecture.md).
                "tokenbroker.tokens.min-ttl", "1s",
                "quarkus.log.category.\"dev.tokenbroker\".level", "DEBUG"));
        List<CompletableFuture<BrokerProcess>> starting = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            String name = "fleet-" + i;
            starting.add(CompletableFuture.supplyAsync(() -> BrokerProcess.start(name, settings)));
        }
        for (CompletableFuture<BrokerProcess> broker : starting) {
            brokers.add(broker.get());
        }
        // Warm each replica up (JIT, Redis and client connections), so tests measure behaviour, not start-up.
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
        for (BrokerProcess broker : brokers) {
            for (int i = 0; i < 20; i++) {
                assertThat(HTTP.send(broker.tokenRequest("read_organizations", 0), HttpResponse.BodyHandlers.discarding())
                        .statusCode()).isEqualTo(200);
            }
        }
    }

    @AfterAll
    static void stopFleet() {
        brokers.forEach(BrokerProcess::stop);
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
    }

    @Test
    void threeHundredConcurrentRequestsOverThreeReplicasMakeOneUpstreamCall() throws Exception {
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(500)));
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            answers.add(HTTP.sendAsync(brokers.get(i % 3).tokenRequest("openid", 0), HttpResponse.BodyHandlers.ofString()));
        }
        Answers.allOneTokenFromOneMint(answers, ims);
    }

    @Test
    void refreshAheadMintsOncePerLifetimeAndNoRequestWaitsOnTheIdentityProvider() throws Exception {
        long lifetime = 20;
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(lifetime).withFixedDelay(4000)));
        // The first request pays for the first mint; everything after it must not.
        HttpResponse<String> first = HTTP.send(brokers.get(0).tokenRequest("AdobeID", 0), HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).isEqualTo(200);

        Instant end = Instant.now().plusSeconds(2 * lifetime);
        AtomicLong slowest = new AtomicLong();
        AtomicLong served = new AtomicLong();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            BrokerProcess broker = brokers.get(c % 3);
            clients.add(CompletableFuture.runAsync(() -> {
                while (Instant.now().isBefore(end)) {
                    long start = System.nanoTime();
                    HttpResponse<String> response = HTTP.sendAsync(broker.tokenRequest("AdobeID", 0),
                            HttpResponse.BodyHandlers.ofString()).join();
                    slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                    assertThat(JsonPath.from(response.body()).getInt("expires_in")).isPositive();
                    served.incrementAndGet();
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();

        assertThat(served.get()).isGreaterThan(100);
        // A request that waited on a mint would take the identity provider's 4 s at least.
        assertThat(Duration.ofNanos(slowest.get())).isLessThan(Duration.ofMillis(3000));
        // One mint per token lifetime, for the whole fleet: refreshes never come closer than half a lifetime.
        List<Instant> mints = ims.findAll(Ims.tokenRequested()).stream().map(LoggedRequest::getLoggedDate)
                .map(java.util.Date::toInstant).sorted().collect(Collectors.toList());
        assertThat(mints.size()).as("mints at %s", mints).isBetween(2, 3);
        for (int i = 1; i < mints.size(); i++) {
            assertThat(Duration.between(mints.get(i - 1), mints.get(i))).as("mints at %s", mints)
                    .isGreaterThan(Duration.ofSeconds(lifetime / 2));
        }
    }

    @Test
    void whenTheLockHolderDiesAnotherReplicaMintsAfterTheLockExpires() throws Exception {
        BrokerProcess doomed = BrokerProcess.start("fleet-doomed", settings);
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(30_000)));
        CompletableFuture<HttpResponse<String>> lost =
                HTTP.sendAsync(doomed.tokenRequest("user_management_sdk", 0), HttpResponse.BodyHandlers.ofString());
        await().until(() -> Ims.tokenRequests(ims) == 1); // it holds the lock and waits on the provider
        doomed.kill();
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));

        HttpResponse<String> survivor = HTTP.send(brokers.get(1).tokenRequest("user_management_sdk", 0),
                HttpResponse.BodyHandlers.ofString());
        assertThat(survivor.statusCode()).as(survivor.body()).isEqualTo(200);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        await().until(lost::isDone);
        assertThat(lost).isCompletedExceptionally();
    }

    @Test
    void purgeOnOneReplicaReachesEveryReplica() throws Exception {
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
        Answers.purgeOnOneReachesTheOther(brokers.get(0), brokers.get(1), "additional_info.projectedProductContext");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }
}
