package dev.tokenbroker.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Plays a Kubernetes cluster's ServiceAccount token issuer: an RSA 2048 and an EC P-256 signing key, projected
 * tokens signed with them as the kube-apiserver makes them, and the JWKS that publishes the keys (where it goes,
 * WireMock or a file, is up to whoever made this cluster).
 */
public final class Cluster {

    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    public static final String AUDIENCE = "token-broker";
    public static final String JWKS_PATH = "/openid/v1/jwks";

    /** The cluster's RSA signing key ({@code kid} rsa-1). */
    public final RSAKey rsa = rsaKey("rsa-1");
    /** The cluster's EC signing key ({@code kid} ec-1). */
    public final ECKey ec = ecKey("ec-1");
    private final JwksHost host;
    private final String issuer;

    /** Where the cluster's JWKS is published. */
    public interface JwksHost {
        void publish(String jwksJson);

        /** How often the JWKS was read. */
        int reads();
    }

    /** A JWKS file, replaced atomically on every publication; its reads are not counted. */
    public static JwksHost fileHost(Path file) {
        return new JwksHost() {
            @Override
            public void publish(String jwksJson) {
                try {
                    Path staged = file.resolveSibling(file.getFileName() + ".tmp");
                    Files.writeString(staged, jwksJson);
                    Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public int reads() {
                throw new UnsupportedOperationException("reads of a file are not counted");
            }
        };
    }

    public Cluster(JwksHost host) {
        this(host, ISSUER);
    }

    /** A cluster whose tokens carry this {@code iss}. */
    public Cluster(JwksHost host, String issuer) {
        this.host = host;
        this.issuer = issuer;
        publishDefaultKeys();
    }

    /** The {@code iss} of this cluster's tokens. */
    public String issuer() {
        return issuer;
    }

    /** Publishes exactly these keys (their public halves) as the cluster's JWKS. */
    public void publish(JWK... keys) {
        host.publish(new JWKSet(List.of(keys)).toPublicJWKSet().toString());
    }

    /** How often the broker read the JWKS. */
    public int jwksReads() {
        return host.reads();
    }

    public void publishDefaultKeys() {
        publish(rsa, ec);
    }

    /** A valid projected token of this ServiceAccount (namespace/name), for the broker's audience, RS256. */
    public Jwt token(String serviceAccount) {
        return new Jwt(serviceAccount).issuer(issuer).signedWith(rsa);
    }

    public static RSAKey rsaKey(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey ecKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same token with its payload replaced (the signature no longer covers it). */
    public static String withPayload(String token, String payloadJson) {
        String[] parts = token.split("\\.");
        return parts[0] + "." + Base64URL.encode(payloadJson.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }

    /** A projected ServiceAccount token being made; every claim starts valid. */
    public static final class Jwt {
        private JWK key;
        private JWSAlgorithm algorithm;
        private String kid;
        private String issuer = ISSUER;
        private List<String> audience = List.of(AUDIENCE);
        private String subject;
        private final String namespace;
        private Instant issuedAt = Instant.now();
        private Instant notBefore = issuedAt;
        private Instant expiresAt = issuedAt.plus(Duration.ofHours(1));

        private Jwt(String serviceAccount) {
            subject = "system:serviceaccount:" + serviceAccount.replace('/', ':');
            namespace = serviceAccount.split("/")[0];
        }

        /** Signs with this key, under its {@code kid} and its natural algorithm (RS256 or ES256). */
        public Jwt signedWith(JWK signingKey) {
            key = signingKey;
            kid = signingKey.getKeyID();
            algorithm = signingKey instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            return this;
        }

        public Jwt kid(String value) {
            kid = value;
            return this;
        }

        public Jwt issuer(String value) {
            issuer = value;
            return this;
        }

        public Jwt audience(String... values) {
            audience = List.of(values);
            return this;
        }

        public Jwt subject(String value) {
            subject = value;
            return this;
        }

        public Jwt expiresAt(Instant value) {
            expiresAt = value;
            return this;
        }

        /** Sets {@code iat}; {@code null} leaves it out. */
        public Jwt issuedAt(Instant value) {
            issuedAt = value;
            return this;
        }

        public Jwt notBefore(Instant value) {
            notBefore = value;
            return this;
        }

        public JWTClaimsSet claims() {
            return new JWTClaimsSet.Builder()
                    .issuer(issuer)
                    .audience(audience)
                    .subject(subject)
                    .issueTime(issuedAt == null ? null : Date.from(issuedAt))
                    .notBeforeTime(Date.from(notBefore))
                    .expirationTime(Date.from(expiresAt))
                    .claim("kubernetes.io", Map.of("namespace", namespace,
                            "pod", Map.of("name", "app-7d9c", "uid", UUID.randomUUID().toString())))
                    .build();
        }

        /** The compact JWS, signed with the key chosen. */
        public String sign() {
            try {
                return signed(algorithm, key instanceof ECKey ecKey ? new ECDSASigner(ecKey) : new RSASSASigner((RSAKey) key));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The same claims, unsigned: {@code alg: none}. */
        public String unsigned() {
            return new PlainJWT(claims()).serialize();
        }

        /** The same claims, HS256 with this shared secret, under the chosen {@code kid}. */
        public String hs256(byte[] secret) {
            try {
                return signed(JWSAlgorithm.HS256, new MACSigner(secret));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        private String signed(JWSAlgorithm alg, JWSSigner signer) throws JOSEException {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims());
            jwt.sign(signer);
            return jwt.serialize();
        }
    }
}
