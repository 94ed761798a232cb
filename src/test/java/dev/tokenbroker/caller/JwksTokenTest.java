package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.KubernetesJwksResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker's own ServiceAccount token goes to the JWKS URL only when its host is the in-cluster API server, or
 * when {@code send-token=true}. The JWKS server here answers 200 only to a request that carries that token (401
 * otherwise, as the kube-apiserver does); its certificate names both {@code localhost} and {@code 127.0.0.1}, and
 * the test plays a pod whose {@code KUBERNETES_SERVICE_HOST} is {@code 127.0.0.1}.
 */
class JwksTokenTest {

    private static final Optional<String> KUBERNETES_SERVICE_HOST = Optional.of("127.0.0.1");

    private static KubernetesJwksResource apiServer;
    private static Map<String, String> config;

    @BeforeAll
    static void startApiServer() {
        apiServer = new KubernetesJwksResource();
        apiServer.init(Map.of());
        config = apiServer.start();
    }

    @AfterAll
    static void stopApiServer() {
        apiServer.stop();
    }

    @Test
    void sendsItsTokenToTheInClusterApiServer() {
        JwksStore jwks = store(url().replace("//localhost:", "//127.0.0.1:"), false);
        assertThat(jwks.refresh("startup")).isTrue();
        assertThat(jwks.size()).isEqualTo(2);
    }

    @Test
    void withholdsItsTokenFromAnyOtherHost() {
        JwksStore jwks = store(url(), false);
        assertThat(jwks.refresh("startup")).isFalse();
        assertThat(jwks.problem()).hasValueSatisfying(p -> assertThat(p).contains("URL answered HTTP 401"));
    }

    @Test
    void sendsItsTokenToAnyHostWhenToldTo() {
        assertThat(store(url(), true).refresh("startup")).isTrue();
    }

    @Test
    void knowsTheApiServerOnlyByItsInClusterNamesAndAddress() {
        for (String host : new String[] {"kubernetes.default", "kubernetes.default.svc", "KUBERNETES.default.svc",
                "kubernetes.default.svc.cluster.local", "127.0.0.1"}) {
            assertThat(JwksStore.isInClusterApiServer(host, KUBERNETES_SERVICE_HOST)).as(host).isTrue();
        }
        for (String host : new String[] {"kubernetes.default.svc.evil.example", "kubernetes", "localhost",
                "oidc.example.com", "127.0.0.2"}) {
            assertThat(JwksStore.isInClusterApiServer(host, KUBERNETES_SERVICE_HOST)).as(host).isFalse();
        }
        assertThat(JwksStore.isInClusterApiServer("127.0.0.1", Optional.empty())).isFalse();
    }

    private static String url() {
        return config.get("tokenbroker.kubernetes.jwks-url");
    }

    private static JwksStore store(String url, boolean sendToken) {
        ServiceAccountVerifierTest.Settings settings = new ServiceAccountVerifierTest.Settings(Optional.of(url),
                Optional.of(Cluster.ISSUER), Cluster.AUDIENCE, Duration.ofSeconds(60),
                Path.of(config.get("tokenbroker.kubernetes.ca-file")), Path.of(config.get("tokenbroker.kubernetes.token-file")),
                sendToken, Duration.ofHours(24), Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(5),
                Duration.ofMinutes(5), 100, Map.of());
        return new JwksStore(settings, Clock.systemUTC(), new SimpleMeterRegistry(), KUBERNETES_SERVICE_HOST);
    }
}
