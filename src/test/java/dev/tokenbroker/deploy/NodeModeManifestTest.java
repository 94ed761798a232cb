package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tokenbroker.deploy.RenderedManifests.Rendered;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Node mode as the chart renders it (ci/rendered/node-values.yaml and deploy/node, both checked against a fresh
 * render by .ci/deploy-checks): a DaemonSet updated without a gap on any node, a Service that keeps each pod's
 * requests on its own node, and HTTPS and the NetworkPolicy as the defaults have them.
 */
class NodeModeManifestTest {

    private static final Path NODE_VALUES = RenderedManifests.RENDERED.resolve("node-values.yaml");

    @Test
    void rendersADaemonSetOnEveryNodeUpdatedWithoutAGap() {
        DaemonSet daemonSet = daemonSet(NODE_VALUES);
        assertThat(daemonSet.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        RollingUpdateDaemonSet rolling = daemonSet.getSpec().getUpdateStrategy().getRollingUpdate();
        assertThat(rolling.getMaxSurge().getIntVal()).isEqualTo(1);
        assertThat(rolling.getMaxUnavailable().getIntVal()).isZero();

        PodSpec pod = daemonSet.getSpec().getTemplate().getSpec();
        assertThat(pod.getTolerations()).singleElement().satisfies(toleration -> {
            assertThat(toleration.getOperator()).isEqualTo("Exists");
            assertThat(toleration.getKey()).isNull();
            assertThat(toleration.getEffect()).isNull();
        });
        Container broker = pod.getContainers().get(0);
        assertThat(broker.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5L);
        assertThat(broker.getResources().getRequests()).containsEntry("cpu", new Quantity("50m"))
                .containsEntry("memory", new Quantity("256Mi"));
        assertThat(broker.getResources().getLimits()).containsOnlyKeys("memory");
    }

    @Test
    void theServiceKeepsEachPodsRequestsOnItsOwnNode() {
        Service service = RenderedManifests.typed(RenderedManifests.first(NODE_VALUES, "Service"), Service.class);
        assertThat(service.getSpec().getInternalTrafficPolicy()).isEqualTo("Local");
        assertThat(daemonSet(NODE_VALUES).getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName).containsExactly("https", "metrics");
        assertThat(service.getSpec().getPorts()).extracting(ServicePort::getAppProtocol).containsOnly("https");

        for (Path central : List.of(RenderedManifests.CENTRAL, RenderedManifests.RENDERED.resolve("default-values.yaml"))) {
            assertThat(RenderedManifests.typed(RenderedManifests.first(central, "Service"), Service.class)
                    .getSpec().getInternalTrafficPolicy()).as(central.toString()).isNull();
        }
    }

    @Test
    void servesHttpsWithTheInstallsCertificateBehindTheNetworkPolicyByDefault() {
        Container broker = daemonSet(NODE_VALUES).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(List.of(broker.getStartupProbe(), broker.getLivenessProbe(), broker.getReadinessProbe()))
                .allSatisfy(probe -> assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTPS"));
        assertThat(broker.getEnv()).extracting(EnvVar::getName, EnvVar::getValue)
                .contains(tuple("QUARKUS_HTTP_INSECURE_REQUESTS", "disabled"));
        // The Secret that helm install generates (templates/tls-generated.yaml); a render holds no key.
        assertThat(daemonSet(NODE_VALUES).getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(volume -> assertThat(volume.getSecret()).isNotNull()
                        .satisfies(source -> assertThat(source.getSecretName()).isEqualTo("token-broker-tls")));
        assertThat(RenderedManifests.read(NODE_VALUES)).extracting(Rendered::kind).doesNotContain("Secret");

        NetworkPolicy policy = RenderedManifests.typed(RenderedManifests.first(NODE_VALUES, "NetworkPolicy"), NetworkPolicy.class);
        assertThat(daemonSet(NODE_VALUES).getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(policy.getSpec().getIngress().get(0).getPorts()).singleElement()
                .satisfies(port -> assertThat(port.getPort().getStrVal()).isEqualTo("https"));
        assertThat(policy.getSpec().getIngress().get(0).getFrom()).singleElement().satisfies(peer -> assertThat(peer
                .getNamespaceSelector().getMatchLabels()).containsExactly(Map.entry("token-broker/caller", "true")));
    }

    @Test
    void rendersNoDeploymentAutoscalerOrDisruptionBudget() {
        assertThat(RenderedManifests.read(NODE_VALUES)).extracting(Rendered::kind)
                .contains("DaemonSet", "Service", "NetworkPolicy")
                .doesNotContain("Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget");
        assertThat(RenderedManifests.read(RenderedManifests.CENTRAL)).extracting(Rendered::kind).doesNotContain("DaemonSet");
    }

    /**
     * deploy/node and deploy/central are rendered from the same values but the mode: their pods differ only in what
     * node mode sets (tolerations, resources, the preStop sleep), so what DefaultChartBrokerIT proves of the central
     * broker's environment holds for the node broker too.
     */
    @Test
    void theNodeBrokerRunsTheCentralBrokersContainer() {
        PodSpec node = daemonSet(RenderedManifests.NODE).getSpec().getTemplate().getSpec();
        PodSpec central = RenderedManifests.typed(RenderedManifests.first(RenderedManifests.CENTRAL, "Deployment"),
                Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(node.getTolerations()).isNotEmpty();
        assertThat(central.getTolerations()).isEmpty();
        Container nodeBroker = node.getContainers().get(0);
        assertThat(nodeBroker.getLifecycle()).isNotNull();
        nodeBroker.setLifecycle(null);
        nodeBroker.setResources(central.getContainers().get(0).getResources());
        node.setTolerations(central.getTolerations());
        assertThat(node).isEqualTo(central);
    }

    private static DaemonSet daemonSet(Path file) {
        return RenderedManifests.typed(RenderedManifests.first(file, "DaemonSet"), DaemonSet.class);
    }
}
