package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.deploy.RenderedManifests.Rendered;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every pod the charts render (the central Deployment and the node DaemonSet with each ci/ values file, and the
 * sidecar example's application pod with the broker as a native sidecar) meets the Kubernetes "restricted" Pod Security
 * Standard, so it is admitted in a namespace labelled {@code pod-security.kubernetes.io/enforce: restricted}.
 */
class PodSecurityStandardTest {

    @Test
    void everyRenderedPodMeetsTheRestrictedStandard() {
        Map<String, List<String>> violations = new TreeMap<>();
        List<String> checked = new ArrayList<>();
        for (Rendered rendered : RenderedManifests.all()) {
            if (rendered.kind().equals("Deployment")) {
                Deployment deployment = RenderedManifests.typed(rendered, Deployment.class);
                List<String> found = RestrictedPodSecurity.violations(deployment.getSpec().getTemplate().getMetadata(),
                        deployment.getSpec().getTemplate().getSpec());
                if (!found.isEmpty()) {
                    violations.put(rendered.describe(), found);
                }
                checked.add(rendered.file().getFileName() + ":" + deployment.getMetadata().getName());
            }
            if (rendered.kind().equals("DaemonSet")) {
                DaemonSet daemonSet = RenderedManifests.typed(rendered, DaemonSet.class);
                List<String> found = RestrictedPodSecurity.violations(daemonSet.getSpec().getTemplate().getMetadata(),
                        daemonSet.getSpec().getTemplate().getSpec());
                if (!found.isEmpty()) {
                    violations.put(rendered.describe(), found);
                }
                checked.add(rendered.file().getFileName() + ":daemonset/" + daemonSet.getMetadata().getName());
            }
        }
        assertThat(violations).isEmpty();
        assertThat(checked).as("Deployments checked").contains(
                "default-values.yaml:token-broker", "full-values.yaml:token-broker", "redis-values.yaml:token-broker",
                "redis-tls-values.yaml:token-broker", "tls-values.yaml:token-broker",
                "tls-cert-manager-values.yaml:token-broker", "upstream-ca-values.yaml:token-broker",
                "token-broker.yaml:token-broker", "example-app.yaml:example-app",
                "node-values.yaml:daemonset/token-broker", "token-broker.yaml:daemonset/token-broker");
    }

    @Test
    void theSidecarIsCheckedAsAnInitContainer() {
        Deployment deployment = deployment(RenderedManifests.SIDECAR_EXAMPLE);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container sidecar = pod.getInitContainers().get(0);
        assertThat(sidecar.getName()).isEqualTo("token-broker");
        assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");

        sidecar.getSecurityContext().setAllowPrivilegeEscalation(null);
        assertThat(RestrictedPodSecurity.violations(deployment.getSpec().getTemplate().getMetadata(), pod))
                .containsExactly("container token-broker: allowPrivilegeEscalation must be false");
    }

    @Test
    void findsEveryKindOfViolation() {
        Deployment deployment = deployment(RenderedManifests.CENTRAL);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(RestrictedPodSecurity.violations(deployment.getSpec().getTemplate().getMetadata(), pod)).isEmpty();

        pod.setHostNetwork(true);
        pod.getSecurityContext().setRunAsNonRoot(null);
        pod.getSecurityContext().setSeccompProfile(new SeccompProfile(null, "Unconfined"));
        pod.getVolumes().add(new Volume());
        pod.getVolumes().get(pod.getVolumes().size() - 1).setName("host");
        pod.getVolumes().get(pod.getVolumes().size() - 1).setHostPath(new HostPathVolumeSource("/var/run", null));
        Container container = pod.getContainers().get(0);
        container.getSecurityContext().setPrivileged(true);
        container.getSecurityContext().setRunAsUser(0L);
        container.getSecurityContext().setCapabilities(new Capabilities(List.of("SYS_ADMIN", "NET_BIND_SERVICE"), List.of("NET_RAW")));
        container.getPorts().add(new ContainerPort(8443, null, 443, "https", "TCP"));

        assertThat(RestrictedPodSecurity.violations(deployment.getSpec().getTemplate().getMetadata(), pod)).containsExactlyInAnyOrder(
                "pod: hostNetwork, hostPID and hostIPC must be unset or false",
                "volume host: type hostPath is not allowed",
                "pod: seccompProfile Unconfined is not allowed",
                "container token-broker: privileged must not be true",
                "container token-broker: runAsNonRoot must be true (on the pod or the container)",
                "container token-broker: runAsUser must not be 0",
                "container token-broker: seccompProfile must be RuntimeDefault or Localhost (on the pod or the container)",
                "container token-broker: capabilities must drop ALL",
                "container token-broker: capability SYS_ADMIN must not be added",
                "container token-broker: hostPort 443 is not allowed");
    }

    private static Deployment deployment(Path file) {
        return RenderedManifests.typed(RenderedManifests.first(file, "Deployment"), Deployment.class);
    }
}
