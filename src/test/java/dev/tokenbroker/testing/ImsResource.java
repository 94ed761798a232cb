package dev.tokenbroker.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Plays Adobe IMS with WireMock on a dynamic port, mounts the {@code adobe-admin} credential pointing at it
 * (Kubernetes Secret layout) and writes the callers file. Reload intervals are short so tests see changes soon.
 */
public class ImsResource implements QuarkusTestResourceLifecycleManager {

    private WireMockServer wireMock;
    private SecretMount secrets;
    private Path callersFile;

    @Override
    public Map<String, String> start() {
        // A fixed free port, not dynamicPort(): a test may stop and start the server and keep its address.
        wireMock = new WireMockServer(options().port(RedisProcess.freePort()).bindAddress("127.0.0.1").globalTemplating(true));
        wireMock.start();
        try {
            Path root = Files.createTempDirectory("token-broker-test");
            secrets = new SecretMount(Files.createDirectories(root.resolve("credentials")));
            secrets.write(Fixtures.CREDENTIAL, Fixtures.adobeAdmin(tokenUrl()));
            callersFile = root.resolve("callers.yaml");
            Files.writeString(callersFile, Fixtures.callersYaml());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "tokenbroker.credentials.dir", secrets.root().toString(),
                // Changes reach the broker through file-system events only: the full check would come in an hour.
                "tokenbroker.credentials.full-check-interval", "1h",
                "tokenbroker.credentials.reload-interval", "0.2s",
                "tokenbroker.callers.file", callersFile.toString(),
                "tokenbroker.callers.reload-interval", "0.2s",
                "tokenbroker.tokens.refresh-retry-interval", "1s");
    }

    public String tokenUrl() {
        return "http://localhost:" + wireMock.port() + Fixtures.TOKEN_PATH;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(wireMock, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, WireMockServer.class));
        injector.injectIntoFields(secrets, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, SecretMount.class));
        injector.injectIntoFields(callersFile, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, Path.class));
    }

    @Override
    public void stop() {
        if (wireMock != null) {
            wireMock.stop();
        }
    }
}
