package dev.tokenbroker.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The manifests rendered from the Helm charts and checked in by {@code .ci/deploy-checks} (which also checks
 * that they equal a fresh render): one per {@code helm/token-broker/ci/*.yaml}, the central and node manifests and
 * the sidecar example. Objects are read into the Fabric8 Kubernetes model strictly: unknown fields, duplicate keys
 * and scalars of the wrong type are errors, and so is a kind or apiVersion the model does not list.
 */
final class RenderedManifests {

    static final Path CHART_CI = Path.of("helm/token-broker/ci");
    static final Path RENDERED = CHART_CI.resolve("rendered");
    static final Path CENTRAL = Path.of("deploy/central/token-broker.yaml");
    static final Path NODE = Path.of("deploy/node/token-broker.yaml");
    static final Path SIDECAR_EXAMPLE = Path.of("deploy/sidecar/example-app.yaml");

    /** Every kind the charts may render, by "apiVersion/kind". */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Stream.of(Deployment.class, DaemonSet.class, Service.class,
                    ServiceAccount.class, ConfigMap.class, ClusterRoleBinding.class, HorizontalPodAutoscaler.class,
                    PodDisruptionBudget.class, NetworkPolicy.class, ServiceMonitor.class, PrometheusRule.class,
                    Certificate.class, Issuer.class, Secret.class, CustomResourceDefinition.class, ClusterRole.class,
                    Role.class, RoleBinding.class)
            .collect(Collectors.toUnmodifiableMap(c -> HasMetadata.getApiVersion(c) + "/" + HasMetadata.getKind(c),
                    Function.identity()));

    /** One object of a rendered file, as parsed YAML. */
    record Rendered(Path file, int index, JsonNode tree) {
        String kind() {
            return tree.path("kind").asText();
        }

        String describe() {
            return file + " #" + index + " " + tree.path("apiVersion").asText() + "/" + kind() + " "
                    + tree.path("metadata").path("name").asText();
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    /**
     * Fabric8's model classes keep unknown fields in an {@code additionalProperties} map (a Jackson any-setter);
     * with any-setters switched off, an unknown field fails as FAIL_ON_UNKNOWN_PROPERTIES says.
     */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated member) {
                    return Boolean.FALSE;
                }
            })
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // The API server refuses a number or boolean where a string belongs (env values, labels, ...).
            .withCoercionConfig(LogicalType.Textual, config -> config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private RenderedManifests() {}

    /** The checked-in renders: one per ci/ values file, then the central and node manifests and the sidecar example. */
    static List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (Path values : ciValuesFiles()) {
            files.add(RENDERED.resolve(values.getFileName()));
        }
        files.add(CENTRAL);
        files.add(NODE);
        files.add(SIDECAR_EXAMPLE);
        return files;
    }

    static List<Path> ciValuesFiles() {
        try (Stream<Path> entries = Files.list(CHART_CI)) {
            return entries.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every object of every checked-in render. */
    static List<Rendered> all() {
        return files().stream().flatMap(file -> read(file).stream()).toList();
    }

    /** The objects of one multi-document YAML file; empty documents (Helm leaves some) are skipped. */
    static List<Rendered> read(Path file) {
        List<Rendered> objects = new ArrayList<>();
        try (var documents = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (documents.hasNext()) {
                JsonNode tree = (JsonNode) documents.next();
                if (tree != null && !tree.isNull() && !tree.isMissingNode()) {
                    objects.add(new Rendered(file, objects.size(), tree));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return objects;
    }

    /** The first object of this kind in the file. */
    static Rendered first(Path file, String kind) {
        return read(file).stream().filter(r -> r.kind().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + file));
    }

    /** The object in the Kubernetes model; fails on an unknown kind or apiVersion, or an unknown field. */
    static HasMetadata typed(JsonNode tree) throws IOException {
        String key = tree.path("apiVersion").asText() + "/" + tree.path("kind").asText();
        Class<? extends HasMetadata> type = KINDS.get(key);
        if (type == null) {
            throw new IllegalArgumentException("not a kind the charts should render: " + key + "; known: " + KINDS.keySet());
        }
        return STRICT.treeToValue(tree, type);
    }

    static <T extends HasMetadata> T typed(Rendered rendered, Class<T> type) {
        try {
            return type.cast(typed(rendered.tree()));
        } catch (IOException e) {
            throw new UncheckedIOException(rendered.describe(), e);
        }
    }
}
