package dev.tokenbroker.tls;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * CA certificates from a PEM bundle (one or more {@code CERTIFICATE} blocks; text between blocks, as in the
 * bundles openssl and distributions write, is ignored). A bundle is trusted in addition to the system's CAs:
 * {@link #trustStore()} holds both. Problems are described without quoting the file.
 */
public record CaBundle(List<X509Certificate> certificates) {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]{1,40})-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final Pattern ANY_BEGIN = Pattern.compile("-----BEGIN ");

    public CaBundle {
        certificates = List.copyOf(certificates);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("a CA bundle holds at least one certificate");
        }
    }

    /** Reads a PEM bundle; the exception's message says what is wrong, never what the file holds. */
    public static CaBundle parse(String pem) throws InvalidCaBundle {
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher block = BLOCK.matcher(pem);
        int blocks = 0;
        while (block.find()) {
            blocks++;
            String label = block.group(1);
            if (label.contains("PRIVATE KEY")) {
                throw new InvalidCaBundle("holds a private key; only CA certificates belong here");
            }
            if (!label.equals("CERTIFICATE")) {
                throw new InvalidCaBundle("PEM block " + blocks + " is not a CERTIFICATE");
            }
            try {
                byte[] der = Base64.getMimeDecoder().decode(block.group(2));
                certificates.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(der)));
            } catch (IllegalArgumentException | CertificateException | ClassCastException e) {
                throw new InvalidCaBundle("certificate " + blocks + " is not a valid X.509 certificate");
            }
        }
        long begins = ANY_BEGIN.matcher(pem).results().count();
        if (begins != blocks) {
            throw new InvalidCaBundle("holds a PEM block that is cut off or malformed");
        }
        if (certificates.isEmpty()) {
            throw new InvalidCaBundle("holds no PEM certificate");
        }
        return new CaBundle(certificates);
    }

    /** SHA-256 over the certificates' DER encodings, in hex: equal bundles, equal fingerprints. */
    public String fingerprint() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (X509Certificate certificate : certificates) {
                sha256.update(certificate.getEncoded());
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A JKS trust store (empty password) of the system's CAs (the JVM's default trust manager, so
     * {@code javax.net.ssl.trustStore} is honoured) plus this bundle's certificates.
     */
    public KeyStore trustStore() {
        try {
            KeyStore trust = KeyStore.getInstance("JKS");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate system : systemCas()) {
                trust.setCertificateEntry("system-" + i++, system);
            }
            i = 0;
            for (X509Certificate certificate : certificates) {
                trust.setCertificateEntry("ca-file-" + i++, certificate);
            }
            return trust;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust store (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** A TLS context for clients that trust the system's CAs and this bundle's. */
    public SSLContext sslContext() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static List<X509Certificate> systemCas() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return List.of(x509.getAcceptedIssuers());
            }
        }
        return List.of();
    }

    @Override
    public String toString() {
        return "CaBundle[" + certificates.size() + " certificates, sha256=" + fingerprint().substring(0, 12) + "]";
    }

    /** A CA bundle that cannot be used; the message describes the fault, never the content. */
    public static final class InvalidCaBundle extends Exception {
        public InvalidCaBundle(String problem) {
            super(problem, null, false, false);
        }
    }
}
