package dev.tokenbroker.fleet;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.Answers;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RedisProcess;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two packaged brokers on one Redis: a token reported as refused on one replica is replaced for the fleet by one
 * mint, and the other replica stops serving it without minting again; concurrent reports on both replicas mint
 * once; a revocation on a replica that never served the token finds it in Redis. Each test has its own scope set.
 */
class RejectedTokenFleetIT {

    private static RedisProcess redis;
    private static WireMockServer ims;
    private static final List<BrokerProcess> brokers = new ArrayList<>();

    @BeforeAll
    static void startFleet() throws Exception {
        redis = new RedisProcess(List.of());
        redis.start();
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true).containerThreads(64));
        ims.start();
        Map<String, String> settings = FleetSettings.of(redis.uri(), "http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        settings.put("tokenbroker.tokens.min-mint-interval", "0s"); // else no token here is old enough to replace
        List<CompletableFuture<BrokerProcess>> starting = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            String name = "rejected-" + i;
            starting.add(CompletableFuture.supplyAsync(() -> BrokerProcess.start(name, settings)));
        }
        for (CompletableFuture<BrokerProcess> broker : starting) {
            brokers.add(broker.get());
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
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
    }

    @Test
    void aReportedTokenIsReplacedOnceAndTheOtherReplicaStopsServingIt() throws Exception {
        BrokerProcess reporting = brokers.get(0);
        BrokerProcess other = brokers.get(1);
        String refused = reporting.token("openid");
        assertThat(other.token("openid")).isEqualTo(refused); // now in the other replica's own tier too

        HttpResponse<String> replaced = send(reporting, report(reporting, "openid", refused));
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(replaced.headers().firstValue("Token-Broker-Rejected")).hasValue("replaced");
        String replacement = JsonPath.from(replaced.body()).getString("access_token");
        assertThat(replacement).isNotEqualTo(refused);

        await().atMost(Duration.ofSeconds(10)).until(() -> other.token("openid").equals(replacement));
        // The other replica's own late report of the same token is stale: it gets the replacement, nothing is minted.
        HttpResponse<String> late = send(other, report(other, "openid", refused));
        assertThat(late.headers().firstValue("Token-Broker-Rejected")).hasValue("not_current");
        assertThat(JsonPath.from(late.body()).getString("access_token")).isEqualTo(replacement);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertNothingSecretLogged(refused, replacement);
    }

    @Test
    void twentyConcurrentReportsAcrossTwoReplicasMakeOneUpstreamCall() throws Exception {
        String refused = brokers.get(0).token("AdobeID");
        assertThat(brokers.get(1).token("AdobeID")).isEqualTo(refused);
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(500)));
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            BrokerProcess broker = brokers.get(i % 2);
            answers.add(broker.http().sendAsync(report(broker, "AdobeID", refused), HttpResponse.BodyHandlers.ofString()));
        }
        Answers.allOneTokenFromOneMint(answers, ims);
        assertThat(JsonPath.from(answers.get(0).get().body()).getString("access_token")).isNotEqualTo(refused);
    }

    @Test
    void aRevocationOnAReplicaThatNeverServedTheTokenDropsItForTheFleet() throws Exception {
        BrokerProcess serving = brokers.get(0);
        String refused = serving.token("user_management_sdk");
        String basic = Base64.getEncoder().encodeToString(("adobe-admin:" + Fixtures.OPS_KEY).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> revoked = send(brokers.get(1), HttpRequest.newBuilder(brokers.get(1).uri("/oauth2/revoke"))
                .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + refused + "&token_type_hint=access_token")).build());
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> !serving.token("user_management_sdk").equals(refused));
        assertThat(brokers.get(1).token("user_management_sdk")).isEqualTo(serving.token("user_management_sdk"));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertNothingSecretLogged(refused, serving.token("user_management_sdk"));
    }

    /** Neither replica's log holds a whole token, the caller key or the client secret. */
    private static void assertNothingSecretLogged(String... tokens) throws Exception {
        for (int i = 1; i <= 2; i++) {
            String log = Files.readString(BrokerProcess.log("rejected-" + i));
            assertThat(log).contains("event=token_request").doesNotContain(tokens)
                    .doesNotContain(Fixtures.OPS_KEY, Fixtures.CLIENT_SECRET);
        }
    }

    private static HttpRequest report(BrokerProcess broker, String scope, String token) {
        return HttpRequest.newBuilder(broker.uri("/tokens?credential=" + Fixtures.CREDENTIAL + "&scope=" + scope
                        + "&rejected=" + Fixtures.sha256(token)))
                .header("Authorization", "Bearer " + Fixtures.OPS_KEY).timeout(Duration.ofSeconds(30)).build();
    }

    private static HttpResponse<String> send(BrokerProcess broker, HttpRequest request) throws Exception {
        return broker.http().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
