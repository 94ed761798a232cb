package dev.tokenbroker.testing;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An IMS-shaped token endpoint (WireMock) over HTTPS only, its certificate ({@code DNS:localhost},
 * {@code IP:127.0.0.1}) issued by a private CA that no system trust store holds. {@link #otherCa()} is a second
 * private CA that issued nothing here, for a CA file that names the wrong authority.
 */
public final class PrivateIdentityProvider {

    private final TestCa ca = TestCa.create("private identity provider CA");
    private final TestCa otherCa = TestCa.create("unrelated CA");
    private final WireMockServer server;
    private final Path caFile;

    private PrivateIdentityProvider(Path dir) {
        String password = "wiremock-keystore";
        Path keyStore = ca.issueForLocalhost("ims.private.example").writePkcs12(dir.resolve("ims.p12"), password);
        server = new WireMockServer(options().httpDisabled(true).httpsPort(RedisProcess.freePort()).bindAddress("127.0.0.1")
                .keystorePath(keyStore.toString()).keystoreType("PKCS12").keystorePassword(password).keyManagerPassword(password)
                .globalTemplating(true));
        caFile = dir.resolve("upstream-ca.pem");
    }

    /** Starts the endpoint on a free loopback port; {@link #caFile()} is not written yet. */
    public static PrivateIdentityProvider start() {
        try {
            PrivateIdentityProvider provider = new PrivateIdentityProvider(Files.createTempDirectory("private-idp"));
            provider.server.start();
            return provider;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WireMockServer server() {
        return server;
    }

    /** The CA that issued the endpoint's certificate. */
    public TestCa ca() {
        return ca;
    }

    /** A CA that did not. */
    public TestCa otherCa() {
        return otherCa;
    }

    public String tokenUrl() {
        return "https://localhost:" + server.httpsPort() + Fixtures.TOKEN_PATH;
    }

    /** A file for {@code tokenbroker.upstream.ca-file}. */
    public Path caFile() {
        return caFile;
    }

    /** Replaces {@link #caFile()} at once (write aside, then rename), as a ConfigMap update lands. */
    public void writeCaFile(String content) {
        try {
            Path staged = caFile.resolveSibling(caFile.getFileName() + ".tmp");
            Files.writeString(staged, content);
            Files.move(staged, caFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void stop() {
        server.stop();
    }
}
