package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private certificate authority made in the test: an EC P-256 root (or an RSA 2048 one, as Helm's {@code genCA}
 * makes) that issues server certificates with RSA 2048
 * keys, the key written as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) as cert-manager writes {@code tls.key} by default.
 * Every certificate gets a fresh random serial, so a test can tell a renewed certificate from the one before.
 */
public final class TestCa {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new root CA with this common name and an EC P-256 key. */
    public static TestCa create(String commonName) {
        return create(commonName, false);
    }

    /** A new root CA with this common name and an RSA 2048 key, as Helm's {@code genCA} makes. */
    public static TestCa createRsa(String commonName) {
        return create(commonName, true);
    }

    private static TestCa create(String commonName, boolean rsa) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
            if (rsa) {
                generator.initialize(2048);
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            }
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=" + commonName);
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(30))), name, keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestCa(keys, sign(builder, keys.getPrivate()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA certificate in PEM, as a {@code ca.crt} or {@code ca_file} holds it. */
    public String pem() {
        return TestCa.pem(certificate);
    }

    /** A server certificate for {@code DNS:localhost} and {@code IP:127.0.0.1}, valid for a day. */
    public Issued issueForLocalhost(String commonName) {
        return issue(commonName, List.of("localhost"), List.of("127.0.0.1"));
    }

    /** A server certificate for these names and addresses, valid for a day. */
    public Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses) {
        return issue(commonName, dnsNames, ipAddresses, rsaKeys(2048), KeyPurposeId.id_kp_serverAuth);
    }

    /** A client certificate (extended key usage clientAuth) for these keys, valid for a day. */
    public Issued issueClient(String commonName, KeyPair clientKeys) {
        return issue(commonName, List.of(), List.of(), clientKeys, KeyPurposeId.id_kp_clientAuth);
    }

    /** A new RSA key pair of this size. */
    public static KeyPair rsaKeys(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new EC key pair on this curve ({@code secp256r1}, {@code secp384r1}, {@code secp521r1}). */
    public static KeyPair ecKeys(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A private key in PEM as PKCS#8 ({@code BEGIN PRIVATE KEY}), as {@code openssl pkcs8} or the JDK writes it. */
    public static String pkcs8Pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** A private key in PEM, traditional as cert-manager and openssl write it: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}). */
    public static String traditionalPem(PrivateKey key) {
        if (!key.getAlgorithm().equals("EC")) {
            return pem(key);
        }
        try {
            // The JDK's EC encoding leaves the curve out of the inner SEC1 key; BouncyCastle's names it, as openssl does.
            return pem(java.security.KeyFactory.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider())
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded())));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Issued issue(String commonName, List<String> dnsNames, List<String> ipAddresses, KeyPair serverKeys,
            KeyPurposeId purpose) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))),
                    new X500Name("CN=" + commonName), serverKeys.getPublic());
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
            ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(serverKeys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
            return new Issued(sign(builder, keys.getPrivate()), serverKeys.getPrivate(), certificate);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS context that trusts this CA and nothing else, with its own session cache (so no session is resumed across contexts). */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate and its key. */
    public record Issued(X509Certificate certificate, PrivateKey key, X509Certificate issuer) {

        /** {@code tls.crt}: the server certificate in PEM. */
        public String certificatePem() {
            return TestCa.pem(certificate);
        }

        /** {@code tls.key}: the key in PEM, PKCS#1 for RSA. */
        public String keyPem() {
            return TestCa.traditionalPem(key);
        }

        public BigInteger serial() {
            return certificate.getSerialNumber();
        }

        /** Writes a PKCS#12 key store (certificate chain and key, under alias {@code server}) for servers such as WireMock. */
        public Path writePkcs12(Path file, String password) {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", key, password.toCharArray(), new Certificate[] {certificate, issuer});
                try (OutputStream out = Files.newOutputStream(file)) {
                    store.store(out, password.toCharArray());
                }
                return file;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey caKey) throws GeneralSecurityException {
        try {
            String algorithm = caKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(algorithm).build(caKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).setBit(63);
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
