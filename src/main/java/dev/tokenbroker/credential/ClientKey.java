package dev.tokenbroker.credential;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A credential's private key, its public key, and the certificate chain that goes with it (leaf first; may be
 * empty for {@code private_key_jwt}), as {@link PemReader} read and checked them. {@code signatureAlgorithm} is
 * the JWS algorithm for the key ({@code RS256}, {@code ES256}, {@code ES384}); {@code thumbprint} is the RFC 7638
 * SHA-256 thumbprint of the public key. {@code toString} never shows the key.
 */
public record ClientKey(PrivateKey privateKey, PublicKey publicKey, List<X509Certificate> chain,
        String signatureAlgorithm, String thumbprint) {

    /** The password of the in-memory key store built for TLS; it protects nothing outside this process. */
    public static final String KEY_STORE_PASSWORD = "token-broker-in-memory";

    public ClientKey {
        Objects.requireNonNull(privateKey);
        Objects.requireNonNull(publicKey);
        Objects.requireNonNull(signatureAlgorithm);
        Objects.requireNonNull(thumbprint);
        chain = List.copyOf(chain);
    }

    /** The leaf certificate, when there is one. */
    public Optional<X509Certificate> certificate() {
        return chain.stream().findFirst();
    }

    /** SHA-256 over the chain's DER encodings, in hex: a renewed certificate has another. */
    public String chainSha256() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (X509Certificate certificate : chain) {
                sha256.update(certificate.getEncoded());
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e.getClass().getSimpleName());
        }
    }

    /** A PKCS#12 key store (in memory, {@link #KEY_STORE_PASSWORD}) holding the key and chain, for a TLS client. */
    public KeyStore keyStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", privateKey, KEY_STORE_PASSWORD.toCharArray(), chain.toArray(Certificate[]::new));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a key store (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The DER encoding of the leaf certificate, for thumbprints. */
    public Optional<byte[]> certificateDer() {
        try {
            return certificate().isEmpty() ? Optional.empty() : Optional.of(certificate().get().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "ClientKey[" + signatureAlgorithm + ", thumbprint=" + thumbprint + ", certificates=" + chain.size() + "]";
    }
}
