package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * Turns TLS on for the API and the management port ({@link ServerTls}): HTTPS only, on a random test port, the
 * mounted files re-read every half second so a renewal shows quickly.
 */
public class ApiTlsResource implements QuarkusTestResourceLifecycleManager {

    private ServerTls tls;

    @Override
    public Map<String, String> start() {
        tls = ServerTls.create();
        Map<String, String> settings = tls.quarkusSettings(Duration.ofMillis(500));
        settings.put("quarkus.http.test-ssl-port", "0");
        return settings;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(tls, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, ServerTls.class));
    }

    @Override
    public void stop() {}
}
