package dev.tokenbroker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.deploy.RenderedManifests.Rendered;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chart with {@code grants.kubernetes.enabled} (docs/deploying.md): the TokenGrant CRD as the Kubernetes model
 * reads it, with a structural schema (the rules of the API server's apiextensions validation that make a schema
 * structural), its printer columns and status subresource, and least RBAC for central and sidecar mode.
 */
class TokenGrantChartTest {

    private static final Path CENTRAL = RenderedManifests.RENDERED.resolve("grants-values.yaml");
    private static final Path SIDECAR = RenderedManifests.RENDERED.resolve("grants-sidecar-values.yaml");

    @Test
    void theCrdHasAStructuralSchemaPrinterColumnsAndAStatusSubresource() {
        CustomResourceDefinition crd = RenderedManifests.typed(
                RenderedManifests.first(CENTRAL, "CustomResourceDefinition"), CustomResourceDefinition.class);
        assertThat(crd.getMetadata().getName()).isEqualTo("tokengrants.tokenbroker.dev");
        assertThat(crd.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
        assertThat(version.getName()).isEqualTo("v1alpha1");
        assertThat(version.getSubresources().getStatus()).isNotNull();
        assertThat(version.getAdditionalPrinterColumns()).extracting(c -> c.getName())
                .contains("Credential", "Accepted", "Reason");
        JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
        assertThat(structuralProblems("", root, true)).isEmpty();
        assertThat(root.getProperties().get("spec").getRequired()).containsExactly("serviceAccount", "credential", "scopes");
    }

    @Test
    void withoutTheFlagNeitherCrdNorRulesAreRendered() {
        assertThat(RenderedManifests.read(RenderedManifests.RENDERED.resolve("default-values.yaml")))
                .extracting(Rendered::kind).doesNotContain("CustomResourceDefinition", "ClusterRole", "Role");
    }

    @Test
    void centralModeReadsEveryNamespacesTokenGrantsAndPatchesOnlyTheirStatus() {
        ClusterRole role = RenderedManifests.typed(RenderedManifests.first(CENTRAL, "ClusterRole"), ClusterRole.class);
        assertLeast(role.getRules());
        assertThat(RenderedManifests.read(CENTRAL)).extracting(Rendered::kind).contains("ClusterRoleBinding")
                .doesNotContain("Role");
    }

    @Test
    void sidecarModeReadsOnlyItsOwnNamespace() {
        Role role = RenderedManifests.typed(RenderedManifests.first(SIDECAR, "Role"), Role.class);
        assertLeast(role.getRules());
        assertThat(RenderedManifests.read(SIDECAR)).extracting(Rendered::kind).contains("RoleBinding")
                .doesNotContain("ClusterRole");
    }

    private static void assertLeast(List<PolicyRule> rules) {
        assertThat(rules).extracting(r -> Map.of("groups", r.getApiGroups(), "resources", r.getResources(), "verbs", r.getVerbs()))
                .containsExactlyInAnyOrder(
                        Map.of("groups", List.of("tokenbroker.dev"), "resources", List.of("tokengrants"),
                                "verbs", List.of("get", "list", "watch")),
                        Map.of("groups", List.of("tokenbroker.dev"), "resources", List.of("tokengrants/status"),
                                "verbs", List.of("patch")));
    }

    /**
     * The structural schema rules of apiextensions.k8s.io/v1: every node has a type (unless it preserves unknown
     * fields or is int-or-string), objects list their properties, arrays their items; no {@code $ref}, no
     * {@code additionalProperties} beside {@code properties}; {@code metadata} only name and generateName.
     */
    private static List<String> structuralProblems(String at, JSONSchemaProps node, boolean root) {
        List<String> problems = new ArrayList<>();
        boolean free = Boolean.TRUE.equals(node.getXKubernetesPreserveUnknownFields())
                || Boolean.TRUE.equals(node.getXKubernetesIntOrString());
        if ((node.getType() == null || node.getType().isEmpty()) && !free) {
            problems.add(at + " has no type");
        }
        if (root && !"object".equals(node.getType())) {
            problems.add("the root is not an object");
        }
        if (node.get$ref() != null) {
            problems.add(at + " uses $ref");
        }
        if (node.getAdditionalProperties() != null && node.getProperties() != null && !node.getProperties().isEmpty()) {
            problems.add(at + " has both properties and additionalProperties");
        }
        if ("array".equals(node.getType())) {
            if (node.getItems() == null || node.getItems().getSchema() == null) {
                problems.add(at + " is an array without items");
            } else {
                problems.addAll(structuralProblems(at + "[]", node.getItems().getSchema(), false));
            }
        }
        if (node.getProperties() != null) {
            node.getProperties().forEach((name, child) -> {
                if (root && name.equals("metadata") && child.getProperties() != null
                        && !List.of("name", "generateName").containsAll(child.getProperties().keySet())) {
                    problems.add("metadata restricts more than name and generateName");
                }
                problems.addAll(structuralProblems(at + "." + name, child, false));
            });
        }
        return problems;
    }
}
