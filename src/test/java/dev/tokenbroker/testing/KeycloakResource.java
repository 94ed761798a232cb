package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Starts a {@link KeycloakServer} for a test class and stops it, and every process it started, afterwards. */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    private KeycloakServer keycloak;

    @Override
    public Map<String, String> start() {
        keycloak = KeycloakServer.start();
        return Map.of();
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(keycloak, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, KeycloakServer.class));
    }

    @Override
    public void stop() {
        if (keycloak != null) {
            keycloak.close();
        }
    }
}
