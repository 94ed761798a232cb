package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A {@link KubernetesApi} for the broker to watch TokenGrant objects in, and the settings that turn the watch on.
 * Reconnecting after a dropped watch is quickened so tests see it soon.
 */
public class KubernetesApiResource implements QuarkusTestResourceLifecycleManager {

    private KubernetesApi api;

    @Override
    public Map<String, String> start() {
        api = new KubernetesApi();
        return Map.of(
                "tokenbroker.grants.kubernetes.enabled", "true",
                "quarkus.kubernetes-client.api-server-url", api.url(),
                "quarkus.kubernetes-client.namespace", "token-broker",
                "quarkus.kubernetes-client.watch-reconnect-interval", "PT0.1S",
                "quarkus.kubernetes-client.request-retry-backoff-interval", "PT0.1S",
                "quarkus.log.category.\"io.fabric8.mockwebserver\".level", "WARN");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(api, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, KubernetesApi.class));
    }

    @Override
    public void stop() {
        if (api != null) {
            api.close();
        }
    }
}
