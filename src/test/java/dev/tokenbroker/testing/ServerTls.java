package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The broker's server certificate, issued by a {@link TestCa} and mounted the way the kubelet mounts a Kubernetes
 * TLS Secret ({@code tls.crt}, {@code tls.key} through a {@code ..data} symlink), plus clients that trust the CA.
 */
public final class ServerTls {

    private final TestCa ca;
    private final Function<TestCa, TestCa.Issued> issue;
    private final SecretMount mount;
    private volatile TestCa.Issued current;

    private ServerTls(TestCa ca, Function<TestCa, TestCa.Issued> issue) {
        this.ca = ca;
        this.issue = issue;
        try {
            this.mount = new SecretMount(Files.createTempDirectory("token-broker-tls"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        renew();
    }

    /** A CA and a first certificate for localhost, mounted under a new temporary directory. */
    public static ServerTls create() {
        return new ServerTls(TestCa.create("token-broker test CA"), ca -> ca.issueForLocalhost("token-broker"));
    }

    /**
     * What the Helm chart generates when nothing else provides a certificate ({@code genCA}, {@code genSignedCert}):
     * an RSA 2048 CA named {@code <fullname>-ca} and an RSA 2048 certificate, its key PKCS#1, for the Service's
     * names with {@code <fullname>.<namespace>.svc} as common name; here also for localhost and 127.0.0.1, which
     * the test connects to.
     */
    public static ServerTls generatedByTheChart(String fullname, String namespace) {
        String svc = fullname + "." + namespace + ".svc";
        return new ServerTls(TestCa.createRsa(fullname + "-ca"), ca -> ca.issue(svc,
                List.of(fullname, fullname + "." + namespace, svc, svc + ".cluster.local", "localhost"), List.of("127.0.0.1")));
    }

    /** Issues a new certificate and key and swaps them in as the kubelet does; answers the new certificate. */
    public synchronized TestCa.Issued renew() {
        TestCa.Issued next = issue.apply(ca);
        mount.write("tls", Map.of("tls.crt", next.certificatePem(), "tls.key", next.keyPem()));
        current = next;
        return next;
    }

    public TestCa.Issued current() {
        return current;
    }

    public TestCa ca() {
        return ca;
    }

    public Path certificateFile() {
        return mount.root().resolve("tls").resolve("tls.crt");
    }

    public Path keyFile() {
        return mount.root().resolve("tls").resolve("tls.key");
    }

    /** Quarkus settings that turn TLS on with the named configuration {@code api}, as the chart's env vars do. */
    public Map<String, String> quarkusSettings(Duration reloadPeriod) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("quarkus.http.tls-configuration-name", "api");
        settings.put("quarkus.management.tls-configuration-name", "api");
        settings.put("quarkus.tls.api.key-store.pem.0.cert", certificateFile().toString());
        settings.put("quarkus.tls.api.key-store.pem.0.key", keyFile().toString());
        settings.put("quarkus.tls.api.reload-period", reloadPeriod.toMillis() + "ms");
        settings.put("quarkus.http.insecure-requests", "disabled");
        return settings;
    }

    /** An HTTP client that trusts the test CA only and checks host names. */
    public HttpClient client() {
        return HttpClient.newBuilder().sslContext(ca.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The certificate a new TLS connection to localhost:port is shown (a fresh context each time, so no session is resumed). */
    public X509Certificate presentedCertificate(int port) {
        try (SSLSocket socket = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("localhost", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
