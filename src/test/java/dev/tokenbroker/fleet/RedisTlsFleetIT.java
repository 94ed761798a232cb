package dev.tokenbroker.fleet;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.Answers;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RedisAcl;
import dev.tokenbroker.testing.RedisCertificates;
import dev.tokenbroker.testing.RedisProcess;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Two packaged brokers configured the way the Helm chart configures them, through environment variables only:
 * Redis over TLS with a CA file, as docs/security.md's least-privilege ACL user, on a Redis that listens on TLS only
 * and has the {@code default} user off. One mint for the fleet, purges reaching the other replica, nothing denied.
 */
@EnabledIf(value = "dev.tokenbroker.testing.RedisProcess#tlsSupported",
        disabledReason = "the redis-server here cannot listen on TLS (built without it), or openssl is missing")
public class RedisTlsFleetIT {

    /** The names the Helm chart sets for Redis over TLS as an ACL user; KubernetesModelTest holds the chart to them. */
    public static final Set<String> CHART_VARIABLES = Set.of("QUARKUS_REDIS_HOSTS", "QUARKUS_REDIS_PASSWORD",
            "QUARKUS_REDIS_TLS_CONFIGURATION_NAME", "QUARKUS_TLS__REDIS__TRUST_STORE_PEM_CERTS");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PASSWORD = UUID.randomUUID().toString();

    private static RedisProcess redis;
    private static WireMockServer ims;
    private static Map<String, String> settings;
    private static final List<BrokerProcess> brokers = new ArrayList<>();

    @BeforeAll
    static void startFleet() throws Exception {
        redis = RedisProcess.secured(RedisCertificates.create("DNS:localhost", "IP:127.0.0.1"),
                Map.of(RedisAcl.USER, RedisAcl.rules(PASSWORD)));
        redis.start();
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        settings = FleetSettings.of(redis.uri(), "http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        settings.remove("quarkus.redis.hosts"); // a system property would win over the environment
        List<CompletableFuture<BrokerProcess>> starting = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            String name = "redis-tls-" + i;
            starting.add(CompletableFuture.supplyAsync(() -> BrokerProcess.start(name, settings, chartEnvironment())));
        }
        for (CompletableFuture<BrokerProcess> broker : starting) {
            brokers.add(broker.get());
        }
    }

    /** The environment variables the Helm chart sets for Redis over TLS as an ACL user. */
    private static Map<String, String> chartEnvironment() {
        Map<String, String> environment = Map.of(
                "QUARKUS_REDIS_HOSTS", redis.uri(RedisAcl.USER),
                "QUARKUS_REDIS_PASSWORD", PASSWORD,
                "QUARKUS_REDIS_TLS_CONFIGURATION_NAME", "redis",
                "QUARKUS_TLS__REDIS__TRUST_STORE_PEM_CERTS", redis.certificates().ca().toString());
        assertThat(environment.keySet()).isEqualTo(CHART_VARIABLES);
        return environment;
    }

    @AfterAll
    static void stopFleet() throws Exception {
        brokers.forEach(BrokerProcess::stop);
        for (int i = 1; i <= 2; i++) {
            assertThat(Files.readString(BrokerProcess.log("redis-tls-" + i))).as("broker log")
                    .contains("event=redis_checked").doesNotContain(PASSWORD);
        }
        if (ims != null) {
            ims.stop();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @BeforeEach
    void reset() {
        ims.resetAll();
        redis.command("ACL", "LOG", "RESET");
    }

    @AfterEach
    void nothingDenied() {
        assertThat(redis.command("ACL", "LOG")).as("commands and keys Redis denied the brokers (ACL LOG)").isEmpty();
    }

    @Test
    void bothReplicasLogInAsTheAclUserOverTlsAndSubscribe() throws Exception {
        for (BrokerProcess broker : brokers) {
            assertThat(broker.readinessDetail("redis")).isEqualTo("ok");
            assertThat(broker.readinessDetail("'redis-events'")).isEqualTo("subscribed");
        }
        List<String> clients = redis.command("CLIENT", "LIST").lines().filter(c -> !c.contains("user=test-admin")).toList();
        assertThat(clients).hasSizeGreaterThanOrEqualTo(4).allMatch(c -> c.contains(" user=" + RedisAcl.USER + " "));
        assertThat(redis.command("PUBSUB", "NUMSUB", "tokenbroker:events")).isEqualTo("tokenbroker:events\n:2");
    }

    @Test
    void aBurstOverBothReplicasMakesOneUpstreamCallAndLeavesOnlyTheTokenUnderThePrefix() throws Exception {
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(1000)));
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            answers.add(HTTP.sendAsync(brokers.get(i % 2).tokenRequest("openid"), HttpResponse.BodyHandlers.ofString()));
        }
        Answers.allOneTokenFromOneMint(answers, ims);
        List<String> keys = redis.command("KEYS", "*").lines().toList();
        assertThat(keys).isNotEmpty().allMatch(k -> k.startsWith("tokenbroker:t:{") || k.startsWith("tokenbroker:c:{")
                || k.startsWith("tokenbroker:g:{")); // tokens, their index, and purge generations of earlier tests
    }

    @Test
    void aPurgeOnOneReplicaReachesTheOther() throws Exception {
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
        Answers.purgeOnOneReachesTheOther(brokers.get(0), brokers.get(1), "AdobeID");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    @Test
    void aPasswordOverPlaintextRedisStopsStartUpNamingRediss() throws Exception {
        Map<String, String> plaintext = new HashMap<>(chartEnvironment());
        plaintext.put("QUARKUS_REDIS_HOSTS", redis.uri(RedisAcl.USER).replace("rediss://", "redis://"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerProcess.start("redis-plaintext", settings, plaintext))
                .hasMessageContaining("the broker exited");
        assertThat(Files.readString(BrokerProcess.log("redis-plaintext")))
                .contains("A Redis password would cross the network in clear", "use rediss://",
                        "tokenbroker.cache.allow-plaintext-redis=true")
                .doesNotContain(PASSWORD);
    }

    @Test
    void theChartMustNotSetTheUnquotedTlsNameNorAUsername() throws Exception {
        Map<String, String> unquoted = new HashMap<>(chartEnvironment());
        unquoted.put("QUARKUS_TLS_REDIS_TRUST_STORE_PEM_CERTS", unquoted.remove("QUARKUS_TLS__REDIS__TRUST_STORE_PEM_CERTS"));
        unquoted.put("TOKENBROKER_HEALTH_DETAILS", "true"); // readiness quotes Redis's error only then
        BrokerProcess untrusting = BrokerProcess.start("redis-tls-unquoted", settings, unquoted);
        try {
            assertThat(untrusting.readinessDetail("redis"))
                    .contains("refused: SunCertPathBuilderException: unable to find valid certification path");
        } finally {
            untrusting.stop();
        }

        Map<String, String> username = new HashMap<>(chartEnvironment());
        username.put("QUARKUS_REDIS_USERNAME", RedisAcl.USER);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BrokerProcess.start("redis-tls-username", settings, username))
                .hasMessageContaining("the broker exited");
        assertThat(Files.readString(BrokerProcess.log("redis-tls-username")))
                .contains("quarkus.redis.username (env QUARKUS_REDIS_USERNAME) is no setting of the Quarkus Redis client")
                .doesNotContain(PASSWORD);
    }
}
