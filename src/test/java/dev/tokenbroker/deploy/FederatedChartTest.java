package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

/**
 * The chart's {@code credentials[].federated} (docs/deploying.md, "Federated credentials"), read from the render of
 * {@code ci/federated-values.yaml} into the Kubernetes model: each federated credential gets the pod's own
 * ServiceAccount token for its audience, projected read-only where its {@code federated_token_file} points, and the
 * subject the provider registers is that ServiceAccount's.
 */
class FederatedChartTest {

    private final PodSpec pod = RenderedManifests.typed(RenderedManifests.first(RenderedManifests.RENDERED
            .resolve("federated-values.yaml"), "Deployment"), Deployment.class).getSpec().getTemplate().getSpec();

    @Test
    void eachFederatedCredentialGetsAServiceAccountTokenOfItsAudienceWhereItsTokenFilePoints() {
        assertThat(pod.getVolumes()).filteredOn(volume -> volume.getName().startsWith("token-broker-federated-"))
                .extracting(FederatedChartTest::token)
                .extracting(ServiceAccountTokenProjection::getAudience, ServiceAccountTokenProjection::getExpirationSeconds,
                        ServiceAccountTokenProjection::getPath)
                .containsExactly(tuple("https://sso.example.com/realms/apps", 3600L, "token"),
                        tuple("api://AzureADTokenExchange", 600L, "token"));
        assertThat(pod.getContainers().get(0).getVolumeMounts())
                .filteredOn(mount -> mount.getName().startsWith("token-broker-federated-"))
                .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
                .containsExactly(tuple("/var/run/secrets/token-broker/federated/keycloak-apps", true),
                        tuple("/var/run/secrets/token-broker/federated/entra-graph", true));
    }

    @Test
    void theSubjectIsTheBrokersOwnServiceAccount() {
        assertThat(pod.getServiceAccountName()).as("sub system:serviceaccount:token-broker:token-broker")
                .isEqualTo("token-broker");
    }

    private static ServiceAccountTokenProjection token(Volume volume) {
        assertThat(volume.getProjected().getSources()).hasSize(1);
        return volume.getProjected().getSources().get(0).getServiceAccountToken();
    }
}
