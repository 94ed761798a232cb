package dev.tokenbroker.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SELinuxOptions;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The controls of the Kubernetes "restricted" Pod Security Standard (which includes "baseline"), as the
 * pod-security admission controller applies them to a pod template. Returns what a pod violates, so a test
 * shows every problem at once.
 *
 * @see <a href="https://kubernetes.io/docs/concepts/security/pod-security-standards/">Pod Security Standards</a>
 */
final class RestrictedPodSecurity {

    /** Volume types the restricted profile allows. */
    static final Set<String> ALLOWED_VOLUMES = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
            "persistentVolumeClaim", "projected", "secret");

    private static final Set<String> ALLOWED_SECCOMP = Set.of("RuntimeDefault", "Localhost");
    private static final Set<String> ALLOWED_SELINUX_TYPES = Set.of("", "container_t", "container_init_t",
            "container_kvm_t", "container_engine_t");
    private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");

    private static final ObjectMapper JSON = new ObjectMapper();

    private RestrictedPodSecurity() {}

    /** What the pod violates; empty when it meets the restricted profile. */
    static List<String> violations(ObjectMeta podMetadata, PodSpec pod) {
        List<String> out = new ArrayList<>();
        PodSecurityContext podContext = Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);

        // baseline: host namespaces, host paths, sysctls, AppArmor, SELinux
        if (isTrue(pod.getHostNetwork()) || isTrue(pod.getHostPID()) || isTrue(pod.getHostIPC())) {
            out.add("pod: hostNetwork, hostPID and hostIPC must be unset or false");
        }
        if (podContext.getWindowsOptions() != null && isTrue(podContext.getWindowsOptions().getHostProcess())) {
            out.add("pod: windowsOptions.hostProcess must not be true");
        }
        for (Volume volume : Optional.ofNullable(pod.getVolumes()).orElse(List.of())) {
            String type = volumeType(volume);
            if (!ALLOWED_VOLUMES.contains(type)) {
                out.add("volume " + volume.getName() + ": type " + type + " is not allowed");
            }
        }
        Optional.ofNullable(podContext.getSysctls()).orElse(List.of()).stream()
                .filter(sysctl -> !SAFE_SYSCTLS.contains(sysctl.getName()))
                .forEach(sysctl -> out.add("pod: sysctl " + sysctl.getName() + " is not in the safe set"));
        Optional.ofNullable(podMetadata.getAnnotations()).orElse(Map.of()).forEach((key, value) -> {
            if (key.startsWith("container.apparmor.security.beta.kubernetes.io/") && value.equals("unconfined")) {
                out.add("pod: AppArmor annotation " + key + " is unconfined");
            }
        });
        if (podContext.getAppArmorProfile() != null && "Unconfined".equals(podContext.getAppArmorProfile().getType())) {
            out.add("pod: appArmorProfile must not be Unconfined");
        }
        if (podContext.getSeLinuxOptions() != null) {
            checkSeLinux("pod", podContext.getSeLinuxOptions(), out);
        }

        // restricted: non-root, seccomp at pod level or on every container
        boolean podNonRoot = isTrue(podContext.getRunAsNonRoot());
        if (Long.valueOf(0).equals(podContext.getRunAsUser())) {
            out.add("pod: runAsUser must not be 0");
        }
        Optional<String> podSeccomp = Optional.ofNullable(podContext.getSeccompProfile()).map(SeccompProfile::getType);
        podSeccomp.filter(type -> !ALLOWED_SECCOMP.contains(type))
                .ifPresent(type -> out.add("pod: seccompProfile " + type + " is not allowed"));

        for (AnyContainer container : containers(pod)) {
            String where = "container " + container.name();
            SecurityContext context = Optional.ofNullable(container.securityContext()).orElseGet(SecurityContext::new);
            if (isTrue(context.getPrivileged())) {
                out.add(where + ": privileged must not be true");
            }
            if (!Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
                out.add(where + ": allowPrivilegeEscalation must be false");
            }
            boolean nonRoot = isTrue(context.getRunAsNonRoot()) || (podNonRoot && context.getRunAsNonRoot() == null);
            if (!nonRoot) {
                out.add(where + ": runAsNonRoot must be true (on the pod or the container)");
            }
            if (Long.valueOf(0).equals(context.getRunAsUser())) {
                out.add(where + ": runAsUser must not be 0");
            }
            Optional<String> seccomp = Optional.ofNullable(context.getSeccompProfile()).map(SeccompProfile::getType).or(() -> podSeccomp);
            if (seccomp.isEmpty() || !ALLOWED_SECCOMP.contains(seccomp.get())) {
                out.add(where + ": seccompProfile must be RuntimeDefault or Localhost (on the pod or the container)");
            }
            Capabilities capabilities = Optional.ofNullable(context.getCapabilities()).orElseGet(Capabilities::new);
            if (!Optional.ofNullable(capabilities.getDrop()).orElse(List.of()).contains("ALL")) {
                out.add(where + ": capabilities must drop ALL");
            }
            Optional.ofNullable(capabilities.getAdd()).orElse(List.of()).stream()
                    .filter(capability -> !capability.equals("NET_BIND_SERVICE"))
                    .forEach(capability -> out.add(where + ": capability " + capability + " must not be added"));
            if (context.getProcMount() != null && !context.getProcMount().equals("Default")) {
                out.add(where + ": procMount must be Default");
            }
            if (context.getAppArmorProfile() != null && "Unconfined".equals(context.getAppArmorProfile().getType())) {
                out.add(where + ": appArmorProfile must not be Unconfined");
            }
            if (context.getSeLinuxOptions() != null) {
                checkSeLinux(where, context.getSeLinuxOptions(), out);
            }
            if (context.getWindowsOptions() != null && isTrue(context.getWindowsOptions().getHostProcess())) {
                out.add(where + ": windowsOptions.hostProcess must not be true");
            }
            Optional.ofNullable(container.ports()).orElse(List.of()).stream()
                    .map(ContainerPort::getHostPort).filter(Objects::nonNull).filter(port -> port != 0)
                    .forEach(port -> out.add(where + ": hostPort " + port + " is not allowed"));
        }
        return out;
    }

    /** What the checks need of a container, an init container (native sidecars among them) or an ephemeral one. */
    private record AnyContainer(String name, SecurityContext securityContext, List<ContainerPort> ports) {}

    private static List<AnyContainer> containers(PodSpec pod) {
        Stream<AnyContainer> regular = Stream.concat(
                        Optional.ofNullable(pod.getInitContainers()).orElse(List.of()).stream(),
                        Optional.ofNullable(pod.getContainers()).orElse(List.of()).stream())
                .map(c -> new AnyContainer(c.getName(), c.getSecurityContext(), c.getPorts()));
        Stream<AnyContainer> ephemeral = Optional.ofNullable(pod.getEphemeralContainers()).orElse(List.of()).stream()
                .map(c -> new AnyContainer(c.getName(), c.getSecurityContext(), c.getPorts()));
        return Stream.concat(regular, ephemeral).toList();
    }

    private static void checkSeLinux(String where, SELinuxOptions options, List<String> out) {
        if (!ALLOWED_SELINUX_TYPES.contains(Optional.ofNullable(options.getType()).orElse(""))) {
            out.add(where + ": seLinuxOptions.type " + options.getType() + " is not allowed");
        }
        if (!Optional.ofNullable(options.getUser()).orElse("").isEmpty() || !Optional.ofNullable(options.getRole()).orElse("").isEmpty()) {
            out.add(where + ": seLinuxOptions.user and role must be unset");
        }
    }

    /** The volume's source field that is set, e.g. "secret" or "hostPath". */
    private static String volumeType(Volume volume) {
        Map<String, Object> fields = JSON.convertValue(volume, new TypeReference<Map<String, Object>>() {});
        return fields.keySet().stream().filter(key -> !key.equals("name")).findFirst().orElse("(none)");
    }

    private static boolean isTrue(Boolean value) {
        return Boolean.TRUE.equals(value);
    }
}
