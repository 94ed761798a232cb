package dev.tokenbroker.fleet;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.Answers;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RedisCluster;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fleet's single mint against a three-node Redis Cluster (token, lock and index keys spread over slots). */
class ClusterFleetIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final RedisCluster cluster = new RedisCluster();
    private static WireMockServer ims;
    private static final List<BrokerProcess> brokers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cluster.start();
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        Map<String, String> settings = FleetSettings.of(cluster.hosts(),
                "http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        settings.put("quarkus.redis.client-type", "cluster");
        brokers.add(BrokerProcess.start("cluster-1", settings));
        brokers.add(BrokerProcess.start("cluster-2", settings));
    }

    @AfterAll
    static void stop() {
        brokers.forEach(BrokerProcess::stop);
        if (ims != null) {
            ims.stop();
        }
        cluster.stop();
    }

    @Test
    void concurrentRequestsOverTwoReplicasOnARedisClusterMakeOneUpstreamCall() throws Exception {
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(500)));
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            answers.add(HTTP.sendAsync(brokers.get(i % 2).tokenRequest("openid"), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            responses.add(answer.get());
        }
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        Set<String> tokens = responses.stream().map(r -> JsonPath.from(r.body()).getString("access_token"))
                .collect(Collectors.toSet());
        assertThat(tokens).hasSize(1);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void bothReplicasPassTheStartupCheckAndAPurgeOnOneReachesTheOther() throws Exception {
        for (BrokerProcess broker : brokers) {
            assertThat(broker.readinessDetail("redis")).isEqualTo("ok");
            assertThat(broker.readinessDetail("'redis-events'")).isEqualTo("subscribed");
        }
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
        Answers.purgeOnOneReachesTheOther(brokers.get(0), brokers.get(1), "AdobeID");
    }
}
