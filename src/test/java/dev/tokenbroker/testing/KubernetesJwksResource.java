package dev.tokenbroker.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A Kubernetes cluster's ServiceAccount token issuer ({@link Cluster}) and the broker's settings to trust it.
 * By default the JWKS is served the way the kube-apiserver serves it: over https, with a certificate from a CA
 * that only the CA file names, and only to a caller that presents the broker's own ServiceAccount token (sent
 * with {@code send-token=true}, since the test's API server is {@code localhost}, not the in-cluster name). With
 * init arg {@code source=file}, it is a file instead. The JWKS is re-read hourly, so tests see reads they cause.
 */
public class KubernetesJwksResource implements QuarkusTestResourceLifecycleManager {

    private static final String STORE_PASSWORD = "changeit";

    private String source = "https";
    private WireMockServer wireMock;
    private Cluster cluster;

    @Override
    public void init(Map<String, String> initArgs) {
        source = initArgs.getOrDefault("source", "https");
    }

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("token-broker-kubernetes");
            Path brokerToken = dir.resolve("token");
            Files.writeString(brokerToken, "broker-own-serviceaccount-token-" + UUID.randomUUID() + "\n");
            Map<String, String> config = new HashMap<>(Map.of(
                    "tokenbroker.kubernetes.issuer", Cluster.ISSUER,
                    "tokenbroker.kubernetes.token-file", brokerToken.toString(),
                    "tokenbroker.kubernetes.jwks-refresh-interval", "1h",
                    "tokenbroker.kubernetes.jwks-min-refresh-interval", "1s"));
            if (source.equals("file")) {
                Path jwks = dir.resolve("jwks.json");
                cluster = new Cluster(Cluster.fileHost(jwks));
                config.put("tokenbroker.kubernetes.jwks-url", jwks.toUri().toString());
                config.put("tokenbroker.kubernetes.ca-file", dir.resolve("no-ca.crt").toString());
            } else {
                Path keyStore = dir.resolve("server.p12");
                Path ca = dir.resolve("ca.crt");
                keytool("-genkeypair", "-alias", "apiserver", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                        "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD);
                keytool("-exportcert", "-rfc", "-alias", "apiserver", "-keystore", keyStore.toString(),
                        "-storepass", STORE_PASSWORD, "-file", ca.toString());
                wireMock = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort().bindAddress("127.0.0.1")
                        .keystorePath(keyStore.toString()).keystoreType("PKCS12")
                        .keystorePassword(STORE_PASSWORD).keyManagerPassword(STORE_PASSWORD));
                wireMock.start();
                cluster = new Cluster(new WireMockHost(wireMock, Files.readString(brokerToken).strip()));
                config.put("tokenbroker.kubernetes.jwks-url", "https://localhost:" + wireMock.httpsPort() + Cluster.JWKS_PATH);
                config.put("tokenbroker.kubernetes.ca-file", ca.toString());
                config.put("tokenbroker.kubernetes.send-token", "true");
            }
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(cluster, new TestInjector.AnnotatedAndMatchesType(TestDependency.class, Cluster.class));
    }

    @Override
    public void stop() {
        if (wireMock != null) {
            wireMock.stop();
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IOException("keytool failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The JWKS as the kube-apiserver serves it: only to the bearer of the broker's own token. */
    private record WireMockHost(WireMockServer wireMock, String brokerToken) implements Cluster.JwksHost {
        @Override
        public void publish(String jwksJson) {
            wireMock.resetMappings();
            wireMock.stubFor(get(urlPathEqualTo(Cluster.JWKS_PATH)).atPriority(10)
                    .willReturn(aResponse().withStatus(401).withBody("{\"kind\":\"Status\",\"code\":401}")));
            wireMock.stubFor(get(urlPathEqualTo(Cluster.JWKS_PATH)).atPriority(1)
                    .withHeader("Authorization", equalTo("Bearer " + brokerToken))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/jwk-set+json")
                            .withBody(jwksJson)));
        }

        @Override
        public int reads() {
            return wireMock.countRequestsMatching(getRequestedFor(urlPathEqualTo(Cluster.JWKS_PATH)).build()).getCount();
        }
    }
}
