package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link KeycloakServer} for a test class and stops it, and every process it started, afterwards. Keycloak
 * needs Java 21+: on a machine with none (the README's "JDK 17+" is all a developer needs), nothing is started and
 * the test is skipped, saying why; in CI ({@code CI} set, as {@code .ci/run} runs) a missing JDK fails instead.
 */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    private KeycloakServer keycloak;

    @Override
    public Map<String, String> start() {
        if (KeycloakServer.javaHome().isEmpty() && System.getenv("CI") == null) {
            return Map.of(); // the test assumes a Keycloak, and is skipped
        }
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
