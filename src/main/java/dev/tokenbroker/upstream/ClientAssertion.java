package dev.tokenbroker.upstream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.credential.ClientAuth;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code private_key_jwt} (RFC 7523 2.2, OIDC Core 9): a client assertion signed with nimbus-jose-jwt, made anew
 * for every request: {@code iss} = {@code sub} = client id, {@code aud} = {@code assertion_audience}, a random
 * {@code jti}, {@code iat} now and {@code exp} {@link #LIFETIME} later; in the header {@code kid} only when the
 * credential's {@code key_id} is set and, with a certificate, {@code x5t#S256} and {@code x5t} (SHA-1, as Entra ID
 * expects). No {@code kid} by default: Keycloak with an imported certificate, and a provider holding the key in a
 * JWKS entry without {@code kid}, refuse a {@code kid} they did not assign (docs/providers.md).
 */
record ClientAssertion(String clientId, ClientAuth.PrivateKeyJwt jwt, Clock clock) implements ClientAuthenticator {

    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** How long an assertion is valid; the contract allows at most 5 minutes. */
    static final Duration LIFETIME = Duration.ofMinutes(2);

    @Override
    public Authentication authenticate() {
        String assertion = sign();
        return new Authentication(Map.of("client_id", clientId, "client_assertion_type", ASSERTION_TYPE,
                "client_assertion", assertion), Optional.empty(), Optional.empty(), List.of(assertion));
    }

    private String sign() {
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.parse(jwt.key().signatureAlgorithm()))
                .keyID(jwt.keyId().orElse(null));
        jwt.key().certificateDer().ifPresent(der -> header
                .x509CertSHA256Thumbprint(Base64URL.encode(digest("SHA-256", der)))
                .x509CertThumbprint(Base64URL.encode(digest("SHA-1", der))));
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(clientId)
                .subject(clientId)
                .audience(jwt.audience())
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build();
        SignedJWT signed = new SignedJWT(header.build(), claims);
        try {
            signed.sign(signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a client assertion (" + e.getClass().getSimpleName() + ")");
        }
        return signed.serialize();
    }

    private JWSSigner signer() throws JOSEException {
        return jwt.key().privateKey() instanceof ECPrivateKey ec ? new ECDSASigner(ec) : new RSASSASigner(jwt.key().privateKey());
    }

    private static byte[] digest(String algorithm, byte[] content) {
        try {
            return MessageDigest.getInstance(algorithm).digest(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e.getClass().getSimpleName());
        }
    }

    @Override
    public String toString() {
        return "ClientAssertion[" + clientId + "]";
    }
}
