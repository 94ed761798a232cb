package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.testing.ClientKeys;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import dev.tokenbroker.testing.TestCa;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code private_key_jwt} against a WireMock token endpoint: every posted {@code client_assertion} is parsed, its
 * header, claims and signature checked with the public key, found in a JWKS as a provider holds it (without
 * {@code kid} unless the credential's {@code key_id} names one), each mint has its own {@code jti}, no secret is
 * sent, and neither the key nor an assertion shows in any log line.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
class ClientAssertionTest extends PrivateUpstreamBrokerTest {

    private static final TestCa CA = TestCa.create("client assertion CA");

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @ParameterizedTest
    @CsvSource({"RSA, false, RS256,", "RSA, true, RS256,", "RSA, true, RS256, broker-2026", "P-256, true, ES256,",
            "P-256, false, ES256, broker-ec", "P-384, true, ES384,"})
    void mintsWithAFreshSignedAssertionAndNoSecret(String keyType, boolean withCertificate, String algorithm, String keyId)
            throws Exception {
        KeyPair keys = keyType.equals("RSA") ? TestCa.rsaKeys(2048)
                : TestCa.ecKeys(keyType.equals("P-256") ? "secp256r1" : "secp384r1");
        TestCa.Issued issued = CA.issueClient("broker", keys);
        String keyPem = TestCa.traditionalPem(keys.getPrivate());
        Optional<String> certificate = withCertificate ? Optional.of(issued.certificatePem()) : Optional.empty();
        idp.server().stubFor(Ims.tokenRequest().atPriority(1)
                .withFormParam("client_assertion_type", equalTo("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
                .willReturn(Ims.token(86399)));
        Map<String, String> files = ClientKeys.credential(idp.tokenUrl(), "private_key_jwt", keyPem, certificate,
                Optional.of(idp.ca().pem()));
        if (keyId != null) {
            files.put("key_id", keyId);
        }
        secrets.write(IDP_A, files);
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.PRIVATE_KEY_JWT).isPresent());

        tokenFor(IDP_A).statusCode(200);
        localCache.clear();
        tokenFor(IDP_A).statusCode(200);

        List<LoggedRequest> requests = idp.server().findAll(Ims.tokenRequested());
        assertThat(requests).hasSize(2);
        List<String> jtis = requests.stream().map(request -> {
            Map<String, String> form = ClientKeys.form(request.getBodyAsString());
            assertThat(form).containsEntry("client_id", ClientKeys.CLIENT_ID)
                    .containsEntry("grant_type", "client_credentials").containsEntry("scope", "openid")
                    .doesNotContainKey("client_secret");
            assertThat(request.getHeader("Authorization")).isNull();
            return checkedJti(form.get("client_assertion"), keys, issued, withCertificate, algorithm, keyId);
        }).toList();
        assertThat(jtis.get(0)).as("a new assertion for every request").isNotEqualTo(jtis.get(1));

        List<String> assertions = requests.stream()
                .map(r -> ClientKeys.form(r.getBodyAsString()).get("client_assertion")).toList();
        assertThat(logs.lines()).isNotEmpty().allSatisfy(line -> {
            assertThat(line).doesNotContain("-----BEGIN");
            ClientKeys.pemBodyLines(keyPem).forEach(body -> assertThat(line).doesNotContain(body));
            assertions.forEach(assertion -> assertThat(line).doesNotContain(assertion.substring(assertion.lastIndexOf('.') + 1)));
        });
    }

    @Test
    void anAssertionEchoedInAnErrorDescriptionIsRedacted() {
        KeyPair keys = TestCa.ecKeys("secp256r1");
        idp.server().stubFor(Ims.tokenRequest().atPriority(1).willReturn(Ims.error(400, "invalid_client",
                "{{formData request.body 'form' urlDecode=true}}assertion {{form.client_assertion}} refused")));
        secrets.write(IDP_A, ClientKeys.credential(idp.tokenUrl(), "private_key_jwt", TestCa.pkcs8Pem(keys.getPrivate()),
                Optional.empty(), Optional.of(idp.ca().pem())));
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.PRIVATE_KEY_JWT).isPresent());

        tokenFor(IDP_A).statusCode(502);

        String assertion = ClientKeys.form(idp.server().findAll(Ims.tokenRequested()).get(0).getBodyAsString())
                .get("client_assertion");
        String signature = assertion.substring(assertion.lastIndexOf('.') + 1);
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenResponseReader"))
                .anySatisfy(line -> assertThat(line).contains("error=invalid_client").contains("[redacted]"));
        assertThat(logs.lines()).noneMatch(line -> line.contains(signature));
    }

    /**
     * A provider's check of the assertion: its key is found in a JWKS as a provider's admin registered it (an entry
     * with the {@code kid} when the credential names one, else without), the signature, header and claims hold.
     */
    private String checkedJti(String assertion, KeyPair keys, TestCa.Issued issued, boolean withCertificate,
            String algorithm, String keyId) {
        try {
            SignedJWT jwt = SignedJWT.parse(assertion);
            JWSVerifier verifier = keys.getPublic() instanceof RSAPublicKey rsa ? new RSASSAVerifier(rsa)
                    : new ECDSAVerifier((ECPublicKey) keys.getPublic());
            assertThat(jwt.verify(verifier)).as("signed with the credential's key").isTrue();
            assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.parse(algorithm));
            assertThat(jwt.getHeader().getKeyID()).as("kid only when key_id is set").isEqualTo(keyId);
            // as a provider's JWKS holds the key: with its certificate and thumbprint when one was registered
            Base64URL x5tS256 = withCertificate
                    ? Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(issued.certificate().getEncoded())) : null;
            List<com.nimbusds.jose.util.Base64> x5c = withCertificate
                    ? List.of(com.nimbusds.jose.util.Base64.encode(issued.certificate().getEncoded())) : null;
            JWK registered = keys.getPublic() instanceof RSAPublicKey rsa
                    ? new RSAKey.Builder(rsa).keyID(keyId).x509CertSHA256Thumbprint(x5tS256).x509CertChain(x5c).build()
                    : new ECKey.Builder(Curve.forECParameterSpec(((ECPublicKey) keys.getPublic()).getParams()),
                            (ECPublicKey) keys.getPublic()).keyID(keyId).x509CertSHA256Thumbprint(x5tS256).x509CertChain(x5c).build();
            DefaultJWTProcessor<SecurityContext> provider = new DefaultJWTProcessor<>();
            provider.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.parse(algorithm),
                    new ImmutableJWKSet<>(new JWKSet(registered))));
            assertThat(provider.process(jwt, null).getSubject()).as("verified with the key found in the JWKS")
                    .isEqualTo(ClientKeys.CLIENT_ID);
            if (withCertificate) {
                byte[] der = issued.certificate().getEncoded();
                assertThat(jwt.getHeader().getX509CertSHA256Thumbprint())
                        .isEqualTo(Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(der)));
                assertThat(jwt.getHeader().getX509CertThumbprint())
                        .isEqualTo(Base64URL.encode(MessageDigest.getInstance("SHA-1").digest(der)));
            } else {
                assertThat(jwt.getHeader().getX509CertSHA256Thumbprint()).isNull();
                assertThat(jwt.getHeader().getX509CertThumbprint()).isNull();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            assertThat(claims.getIssuer()).isEqualTo(ClientKeys.CLIENT_ID);
            assertThat(claims.getSubject()).isEqualTo(ClientKeys.CLIENT_ID);
            assertThat(claims.getAudience()).containsExactly(idp.tokenUrl());
            assertThat(claims.getIssueTime().toInstant()).isCloseTo(Instant.now(), within(5, java.time.temporal.ChronoUnit.MINUTES));
            long lifetime = claims.getExpirationTime().getTime() - claims.getIssueTime().getTime();
            assertThat(lifetime).as("exp at most 5 minutes after iat").isPositive().isLessThanOrEqualTo(300_000);
            assertThat(claims.getJWTID()).hasSizeGreaterThanOrEqualTo(16);
            return claims.getJWTID();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
