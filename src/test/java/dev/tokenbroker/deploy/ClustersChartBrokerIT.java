package dev.tokenbroker.deploy;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.OidcIssuer;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged broker started with the {@code kubernetes.clusters} environment that the chart renders
 * (ci/rendered/clusters-values.yaml): variables named as the properties, {@code tokenbroker.kubernetes.clusters.eu-west.issuer},
 * since a {@code -} in a cluster name cannot be spelled in upper case. Cluster {@code eu-west}'s issuer and CA file
 * are replaced by a test issuer's (found through discovery); a token of it for an entry with {@code cluster: eu-west}
 * gets a token, so the names reached the broker as they are.
 */
public class ClustersChartBrokerIT {

    private static final String PREFIX = "tokenbroker.kubernetes.clusters.";

    private static WireMockServer ims;
    private static OidcIssuer euWest;
    private static BrokerProcess broker;

    /** The clusters' variables of the broker container in the render, as name and value. */
    static Map<String, String> clustersEnvironment() {
        Deployment deployment = RenderedManifests.typed(
                RenderedManifests.first(RenderedManifests.RENDERED.resolve("clusters-values.yaml"), "Deployment"), Deployment.class);
        Map<String, String> environment = new LinkedHashMap<>();
        for (EnvVar env : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            if (env.getName().startsWith(PREFIX)) {
                environment.put(env.getName(), env.getValue());
            }
        }
        return environment;
    }

    @BeforeAll
    static void startBroker() throws Exception {
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        Ims.issuesTokens(ims, 86399);
        euWest = OidcIssuer.start();
        Map<String, String> settings = FleetSettings.inProcess("http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        Files.writeString(Path.of(settings.get("tokenbroker.callers.file")), Fixtures.callersYaml() + """
                  - name: billing-eu-west
                    service-account: payments/billing
                    cluster: eu-west
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                """);
        Map<String, String> environment = clustersEnvironment();
        assertThat(environment).containsKeys(PREFIX + "eu-west.issuer", PREFIX + "gke-prod.issuer", PREFIX + "gke-prod.audience",
                PREFIX + "on-prem.jwks-url", PREFIX + "on-prem.ca-file");
        // Only eu-west is served here; the others point at a closed local port (no test reaches out to the internet),
        // which is reported, not fatal.
        environment.put(PREFIX + "gke-prod.issuer", "https://127.0.0.1:9/gke-prod");
        environment.put(PREFIX + "on-prem.jwks-url", "https://127.0.0.1:9/openid/v1/jwks");
        environment.put(PREFIX + "eu-west.issuer", euWest.issuer());
        environment.put(PREFIX + "eu-west.ca-file", euWest.caFile().toString());
        environment.put(PREFIX + "on-prem.ca-file", euWest.caFile().toString());
        broker = BrokerProcess.start("clusters-chart", settings, environment);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
        if (euWest != null) {
            euWest.stop();
        }
        if (ims != null) {
            ims.stop();
        }
    }

    @Test
    void aTokenOfTheClusterNamedInTheEnvironmentGetsAToken() throws Exception {
        String token = euWest.cluster().token(Fixtures.PAYMENTS_SERVICE_ACCOUNT).sign();
        HttpResponse<String> response = broker.http().send(HttpRequest.newBuilder(broker.uri("/tokens?credential=adobe-admin&scope=openid"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(euWest.discoveryReads()).isPositive();
        assertThat(euWest.requestsWithAuthorization()).isZero();
    }
}
