package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tokenbroker.caller.CallersFiles;
import io.fabric8.kubernetes.api.model.ConfigMapProjection;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's {@code callers.configMaps} (docs/deploying.md, Callers from several ConfigMaps), read from the renders of
 * {@code ci/callers-configmaps-values.yaml} (central mode) and {@code ci/callers-configmaps-node-values.yaml} (node
 * mode, with {@code callers.existingConfigMap}) into the Kubernetes model: the platform's callers ConfigMap and every
 * listed one are one projected volume, each key a file of its own name, mounted as the directory that
 * {@code TOKENBROKER_CALLERS_FILE} names; the broker reads those files in the order of the values, the platform's
 * first. Without the value, the one file of before ({@code ci/default-values.yaml}).
 */
class CallersConfigMapsChartTest {

    private static final String DIRECTORY = "/etc/token-broker/callers.d";

    private final PodSpec central = RenderedManifests.typed(RenderedManifests.first(RenderedManifests.RENDERED
            .resolve("callers-configmaps-values.yaml"), "Deployment"), Deployment.class).getSpec().getTemplate().getSpec();
    private final PodSpec node = RenderedManifests.typed(RenderedManifests.first(RenderedManifests.RENDERED
            .resolve("callers-configmaps-node-values.yaml"), "DaemonSet"), DaemonSet.class).getSpec().getTemplate().getSpec();

    @Test
    void centralModeProjectsThePlatformsConfigMapAndEachListedOneIntoOneDirectory() {
        assertThat(callersFile(central)).isEqualTo(DIRECTORY);
        assertThat(callersMount(central)).extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
                .containsExactly(DIRECTORY, true);
        List<VolumeProjection> sources = callersVolume(central).getProjected().getSources();
        assertThat(sources).extracting(VolumeProjection::getConfigMap)
                .extracting(ConfigMapProjection::getName, ConfigMapProjection::getOptional)
                .containsExactly(tuple("token-broker-callers", null), tuple("payments-callers", null),
                        tuple("search-callers", true));
        assertThat(sources).flatExtracting(source -> source.getConfigMap().getItems())
                .extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(tuple("callers.yaml", "000-token-broker-callers-callers.yaml"),
                        tuple("callers.yaml", "001-payments-callers-callers.yaml"),
                        tuple("prod.yaml", "002-search-callers-prod.yaml"),
                        tuple("staging.yaml", "002-search-callers-staging.yaml"));
    }

    @Test
    void nodeModeMountsTheSameDirectoryWithTheExistingConfigMapFirst() {
        assertThat(callersFile(node)).isEqualTo(DIRECTORY);
        assertThat(callersMount(node).getMountPath()).isEqualTo(DIRECTORY);
        assertThat(files(node)).containsExactly("000-platform-callers-callers.yaml", "001-payments-callers-callers.yaml",
                "002-search-callers-callers.yaml");
        assertThat(callersVolume(node).getProjected().getSources()).extracting(source -> source.getConfigMap().getName())
                .containsExactly("platform-callers", "payments-callers", "search-callers");
    }

    /**
     * The files laid out as the kubelet lays out a projected volume (each name a symlink into {@code ..data}) are the
     * broker's callers files in the order the values list them, the platform's first, so that no team's file can
     * widen what the platform's grants.
     */
    @Test
    void theBrokerReadsTheProjectedFilesInTheOrderOfTheValuesThePlatformsFirst(@TempDir Path volume) throws IOException {
        for (PodSpec pod : List.of(central, node)) {
            Path directory = Files.createDirectories(volume.resolve(pod == central ? "central" : "node"));
            Path data = Files.createDirectories(directory.resolve("..2026_01_01_00_00_00.000000001"));
            Files.createSymbolicLink(directory.resolve("..data"), data.getFileName());
            List<String> files = files(pod);
            for (int i = files.size() - 1; i >= 0; i--) { // written last to first: the order is the names', not the writes'
                String file = files.get(i);
                Files.writeString(data.resolve(file), "callers: []\n");
                Files.createSymbolicLink(directory.resolve(file), Path.of("..data", file));
            }
            assertThat(CallersFiles.inDirectory(directory)).extracting(file -> file.getFileName().toString())
                    .as("the broker's order").containsExactlyElementsOf(files(pod))
                    .first().asString().startsWith("000-");
        }
    }

    @Test
    void withoutConfigMapsTheOneFileOfBefore() {
        PodSpec pod = RenderedManifests.typed(RenderedManifests.first(RenderedManifests.RENDERED
                .resolve("default-values.yaml"), "Deployment"), Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(callersFile(pod)).isEqualTo("/etc/token-broker/callers.yaml");
        assertThat(callersMount(pod).getMountPath()).isEqualTo("/etc/token-broker");
        Volume volume = callersVolume(pod);
        assertThat(volume.getProjected()).isNull();
        assertThat(volume.getConfigMap().getName()).isEqualTo("token-broker-callers");
        assertThat(volume.getConfigMap().getItems()).extracting(KeyToPath::getKey, KeyToPath::getPath)
                .containsExactly(tuple("callers.yaml", "callers.yaml"));
    }

    private static List<String> files(PodSpec pod) {
        return callersVolume(pod).getProjected().getSources().stream()
                .flatMap(source -> source.getConfigMap().getItems().stream()).map(KeyToPath::getPath).toList();
    }

    private static String callersFile(PodSpec pod) {
        Container broker = pod.getContainers().get(0);
        return broker.getEnv().stream().filter(env -> env.getName().equals("TOKENBROKER_CALLERS_FILE")).map(EnvVar::getValue)
                .reduce((a, b) -> {
                    throw new AssertionError("TOKENBROKER_CALLERS_FILE set twice");
                }).orElseThrow();
    }

    private static VolumeMount callersMount(PodSpec pod) {
        return pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(mount -> mount.getName().equals("token-broker-callers")).reduce((a, b) -> {
                    throw new AssertionError("token-broker-callers mounted twice");
                }).orElseThrow();
    }

    private static Volume callersVolume(PodSpec pod) {
        return pod.getVolumes().stream().filter(volume -> volume.getName().equals("token-broker-callers")).reduce((a, b) -> {
            throw new AssertionError("two volumes token-broker-callers");
        }).orElseThrow();
    }
}
