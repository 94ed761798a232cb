package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A {@link KubernetesApi} for the broker to watch TokenGrant objects in, and the settings that turn the watch on.
 * Reconnecting after a dropped watch is quickened so tests see it soon.
 */
public class KubernetesApiResource implements QuarkusTestResourceLifecycleManager {

    private KubernetesApi api;
    private int tokenGrants;

    /** Init arg {@code tokenGrants}: that many TokenGrant objects exist before the broker starts (for bench/). */
    @Override
    public void init(Map<String, String> initArgs) {
        tokenGrants = Integer.parseInt(initArgs.getOrDefault("tokenGrants", "0"));
    }

    @Override
    public Map<String, String> start() {
        api = new KubernetesApi();
        for (int i = 0; i < tokenGrants; i++) {
            api.client().resource(tokenGrant("team-" + (i % 100), "grant-" + i, "app-" + i)).create();
        }
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

    private static dev.tokenbroker.grant.TokenGrant tokenGrant(String namespace, String name, String serviceAccount) {
        dev.tokenbroker.grant.TokenGrant grant = new dev.tokenbroker.grant.TokenGrant();
        grant.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        grant.setSpec(new dev.tokenbroker.grant.TokenGrant.Spec(serviceAccount, "adobe-admin", java.util.List.of("openid")));
        return grant;
    }

    @Override
    public void stop() {
        if (api != null) {
            api.close();
        }
    }
}
