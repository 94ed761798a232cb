package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts an {@link OidcIssuer} and trusts it as the broker's cluster {@code east}, its keys found through discovery
 * (no {@code jwks-url}), its CA in {@code ca-file}.
 */
public class OidcIssuerResource implements QuarkusTestResourceLifecycleManager {

    /** The cluster name the broker knows the issuer by. */
    public static final String CLUSTER = "east";

    private OidcIssuer issuer;

    @Override
    public Map<String, String> start() {
        issuer = OidcIssuer.start();
        return Map.of(
                "tokenbroker.kubernetes.clusters.east.issuer", issuer.issuer(),
                "tokenbroker.kubernetes.clusters.east.ca-file", issuer.caFile().toString());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(issuer, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, OidcIssuer.class));
    }

    @Override
    public void stop() {
        if (issuer != null) {
            issuer.stop();
        }
    }
}
