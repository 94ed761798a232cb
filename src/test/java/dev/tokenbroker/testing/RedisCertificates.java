package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test certificate authority and a server certificate it signed, made with the {@code openssl} command as the
 * "Redis over TLS" section of docs/security.md shows: PEM files {@code ca.crt}, {@code redis.crt} and {@code redis.key}.
 */
public final class RedisCertificates {

    private final Path dir;

    private RedisCertificates(Path dir) {
        this.dir = dir;
    }

    /** A new CA and a server certificate for these subject alternative names, e.g. {@code DNS:localhost}, {@code IP:127.0.0.1}. */
    public static RedisCertificates create(String... subjectAltNames) {
        try {
            Path dir = Files.createTempDirectory("redis-tls");
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                    "-subj", "/CN=token-broker test Redis CA", "-keyout", "ca.key", "-out", "ca.crt");
            openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=redis",
                    "-keyout", "redis.key", "-out", "redis.csr");
            Files.writeString(dir.resolve("redis.ext"), "subjectAltName=" + String.join(",", subjectAltNames)
                    + "\nextendedKeyUsage=serverAuth\n");
            openssl(dir, "x509", "-req", "-in", "redis.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "825", "-extfile", "redis.ext", "-out", "redis.crt");
            return new RedisCertificates(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Another certificate for the server's key, signed by this CA, for other names (hostname verification refuses it). */
    public Path certificateFor(String name, String... subjectAltNames) {
        return sign(name, "ca", subjectAltNames);
    }

    /** Another certificate for the server's key, signed by a CA of its own that the broker does not trust. */
    public Path certificateFromAnotherCa(String name, String... subjectAltNames) {
        try {
            openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
                    "-subj", "/CN=" + name + " CA", "-keyout", name + "-ca.key", "-out", name + "-ca.crt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sign(name, name + "-ca", subjectAltNames);
    }

    private Path sign(String name, String ca, String... subjectAltNames) {
        try {
            openssl(dir, "req", "-new", "-key", "redis.key", "-subj", "/CN=" + name, "-out", name + ".csr");
            Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + String.join(",", subjectAltNames)
                    + "\nextendedKeyUsage=serverAuth\n");
            openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                    "-CAcreateserial", "-days", "825", "-extfile", name + ".ext", "-out", name + ".crt");
            return dir.resolve(name + ".crt");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path ca() {
        return dir.resolve("ca.crt");
    }

    public Path certificate() {
        return dir.resolve("redis.crt");
    }

    public Path key() {
        return dir.resolve("redis.key");
    }

    /** A client context that trusts this CA only. */
    public SSLContext clientContext() {
        return context(List.of(ca()));
    }

    /** A client context for the tests' own look at the server: it trusts this CA and any other made here since. */
    public SSLContext adminContext() {
        try (var files = Files.list(dir)) {
            return context(files.filter(f -> f.getFileName().toString().endsWith("ca.crt")).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SSLContext context(List<Path> cas) {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            for (Path ca : cas) {
                try (InputStream pem = Files.newInputStream(ca)) {
                    trust.setCertificateEntry(ca.getFileName().toString(),
                            CertificateFactory.getInstance("X.509").generateCertificate(pem));
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void openssl(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("the openssl command is needed to make the test CA", e);
        }
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
