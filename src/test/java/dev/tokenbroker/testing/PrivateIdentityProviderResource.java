package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Starts a {@link PrivateIdentityProvider}. With the init argument {@code global-ca-file=true}, the broker's
 * {@code tokenbroker.upstream.ca-file} names a file that holds the provider's CA.
 */
public class PrivateIdentityProviderResource implements QuarkusTestResourceLifecycleManager {

    private PrivateIdentityProvider provider;
    private boolean globalCaFile;

    @Override
    public void init(Map<String, String> initArgs) {
        globalCaFile = Boolean.parseBoolean(initArgs.getOrDefault("global-ca-file", "false"));
    }

    @Override
    public Map<String, String> start() {
        provider = PrivateIdentityProvider.start();
        if (!globalCaFile) {
            return Map.of();
        }
        provider.writeCaFile(provider.ca().pem());
        return Map.of("tokenbroker.upstream.ca-file", provider.caFile().toString());
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(provider,
                new TestInjector.AnnotatedAndMatchesType(TestDependency.class, PrivateIdentityProvider.class));
    }

    @Override
    public void stop() {
        if (provider != null) {
            provider.stop();
        }
    }
}
