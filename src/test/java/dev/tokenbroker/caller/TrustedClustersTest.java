package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.caller.CallerRejected.Reason;
import dev.tokenbroker.caller.ServiceAccountVerifierTest.ClusterSettings;
import dev.tokenbroker.caller.ServiceAccountVerifierTest.Settings;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.testing.Cluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clusters as configured: names and issuers checked at start, a token's {@code iss} choosing whose keys and
 * audience check it, a broker that trusts further clusters only, and the remembered token bound to its cluster.
 */
class TrustedClustersTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Clock clock = Clock.systemUTC();

    @Test
    void refusesToStartWithANameThatIsNoDnsLabelOrAnIssuerTwoClustersShare() {
        Settings home = Settings.of(Optional.of(dir.resolve("jwks.json").toString()));
        for (String name : new String[] {"East", "east_1", "default", "-east", "a".repeat(64)}) {
            assertThatThrownBy(() -> clusters(home.withClusters(Map.of(name, east(Cluster.ISSUER + "/x")))))
                    .as(name).isInstanceOf(IllegalStateException.class).hasMessageContaining("DNS label");
        }
        assertThatThrownBy(() -> clusters(home.withClusters(Map.of("east", east(Cluster.ISSUER)))))
                .hasMessageContaining("tokenbroker.kubernetes.clusters.east.issuer is the issuer of cluster default too");
        assertThatThrownBy(() -> clusters(home.withClusters(Map.of("east", east(" ")))))
                .hasMessageContaining("issuer is empty");
        assertThatThrownBy(() -> clusters(home.withClusters(Map.of("east", east("http://oidc.example")))))
                .hasMessageContaining("https");
    }

    @Test
    void aBrokerMayTrustFurtherClustersOnly() throws Exception {
        Path file = dir.resolve("east.json");
        Cluster east = new Cluster(Cluster.fileHost(file), "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE");
        Settings settings = Settings.of(Optional.empty()).withClusters(Map.of("east",
                new ClusterSettings(east.issuer(), Optional.of(file.toString()), "token-broker", Optional.empty())));
        TrustedClusters clusters = clusters(settings);
        clusters.refresh("startup");
        assertThat(clusters.configured()).isTrue();
        assertThat(clusters.names()).containsExactly("east");
        ServiceAccountVerifier verifier = new ServiceAccountVerifier(settings, clusters, clock, meters);
        CallerPolicy policy = CallersFile.parse("""
                callers:
                  - name: away
                    service-account: payments/billing
                    cluster: east
                """.getBytes(StandardCharsets.UTF_8), clusters.names());
        String token = east.token("payments/billing").sign();
        assertThat(verifier.verify(token, policy).orElseThrow().name()).isEqualTo("away");
        assertThat(verifier.verifyFromMemory(token, policy).orElseThrow().name()).isEqualTo("away");
        // The remembered token stays east's: a policy that lists payments/billing for the default cluster only does not match it.
        CallerPolicy homeOnly = CallersFile.parse("callers:\n  - name: home\n    service-account: payments/billing\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(verifier.verifyFromMemory(token, homeOnly)).isEmpty();
        assertThatThrownBy(() -> verifier.verify(token, homeOnly)).isInstanceOfSatisfying(CallerRejected.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_SERVICE_ACCOUNT));
        // Each cluster's audience is its own.
        assertThatThrownBy(() -> verifier.verify(east.token("payments/billing").audience("vault").sign(), policy))
                .isInstanceOfSatisfying(CallerRejected.class, e -> assertThat(e.reason()).isEqualTo(Reason.AUDIENCE));
        assertThatThrownBy(() -> verifier.verify(new Cluster(Cluster.fileHost(dir.resolve("other.json")))
                .token("payments/billing").sign(), policy))
                .isInstanceOfSatisfying(CallerRejected.class, e -> assertThat(e.reason()).isEqualTo(Reason.ISSUER));
        assertThat(meters.find("tokenbroker.jwks.keys").tag("cluster", "east").gauge().value()).isEqualTo(2);
        assertThat(meters.find("tokenbroker.config.valid").tag("source", "jwks_east").gauge().value()).isEqualTo(1);
        assertThat(meters.find("tokenbroker.config.valid").tag("source", "jwks_default").gauge())
                .as("the default cluster is not configured").isNull();
    }

    private TrustedClusters clusters(Settings settings) {
        return new TrustedClusters(settings, new JwksStore(settings, clock, meters), clock, meters);
    }

    private static TokenBrokerConfig.Kubernetes.Cluster east(String issuer) {
        return new ClusterSettings(issuer, Optional.empty(), "token-broker", Optional.empty());
    }
}
