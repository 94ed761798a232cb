package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.TestCa;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials of {@code private_key_jwt} and {@code tls_client_auth}: keys and certificates read through
 * {@link PemReader}, and every broken one reported by file, never by content.
 */
class ClientKeyLoaderTest {

    private static final TestCa CA = TestCa.create("client CA");
    private static final String TOKEN_URL = "https://keycloak.example.com/realms/r/protocol/openid-connect/token";

    @TempDir
    Path dir;

    private final CredentialLoader loader = new CredentialLoader(false);

    @Test
    void privateKeyJwtReadsPkcs8AndTraditionalRsaAndEcKeysWithoutAClientSecret() throws Exception {
        record Case(KeyPair keys, boolean pkcs8, String algorithm) {}
        for (Case c : new Case[] {
                new Case(TestCa.rsaKeys(2048), false, "RS256"), new Case(TestCa.rsaKeys(3072), true, "RS256"),
                new Case(TestCa.ecKeys("secp256r1"), false, "ES256"), new Case(TestCa.ecKeys("secp256r1"), true, "ES256"),
                new Case(TestCa.ecKeys("secp384r1"), true, "ES384")}) {
            Map<String, String> files = base("private_key_jwt");
            files.put("private_key", c.pkcs8() ? TestCa.pkcs8Pem(c.keys().getPrivate()) : TestCa.traditionalPem(c.keys().getPrivate()));

            ClientAuth.PrivateKeyJwt jwt = (ClientAuth.PrivateKeyJwt) valid(files).clientAuth();

            assertThat(jwt.key().signatureAlgorithm()).as(c.toString()).isEqualTo(c.algorithm());
            assertThat(jwt.key().publicKey()).as("derived from the private key").isEqualTo(c.keys().getPublic());
            assertThat(jwt.keyId()).as("no kid without key_id: providers refuse a kid they did not assign").isEmpty();
            assertThat(jwt.audience()).isEqualTo(TOKEN_URL);
            assertThat(jwt.key().chain()).isEmpty();
        }
    }

    @Test
    void keyIdAssertionAudienceAndCertificateAreRead() throws IOException {
        KeyPair keys = TestCa.rsaKeys(2048);
        TestCa.Issued issued = CA.issueClient("broker-client", keys);
        Map<String, String> files = base("private_key_jwt");
        files.put("private_key", issued.keyPem());
        files.put("certificate", issued.certificatePem() + CA.pem());
        files.put("key_id", "broker-2026");
        files.put("assertion_audience", "https://keycloak.example.com/realms/r");

        Credential credential = valid(files);

        ClientAuth.PrivateKeyJwt jwt = (ClientAuth.PrivateKeyJwt) credential.clientAuth();
        assertThat(jwt.keyId()).contains("broker-2026");
        assertThat(jwt.audience()).isEqualTo("https://keycloak.example.com/realms/r");
        assertThat(jwt.key().chain()).containsExactly(issued.certificate(), CA.certificate());
        assertThat(credential.clientSecret()).isEmpty();
        assertThat(credential.toString()).doesNotContain(bodyLines(issued.keyPem()));
    }

    @Test
    void tlsClientAuthReadsTheNamesOfAKubernetesTlsSecret() throws IOException {
        TestCa.Issued issued = CA.issueClient("broker-client", TestCa.ecKeys("secp256r1"));
        Map<String, String> files = base("tls_client_auth");
        files.put("tls.key", issued.keyPem());
        files.put("tls.crt", issued.certificatePem());

        Credential credential = valid(files);

        assertThat(credential.authMethod()).isEqualTo(AuthMethod.TLS_CLIENT_AUTH);
        assertThat(((ClientAuth.TlsClientAuth) credential.clientAuth()).key().certificate()).hasValue(issued.certificate());
    }

    @Test
    void rsaKeyUnder2048BitsIsRefused() throws IOException {
        Map<String, String> files = base("private_key_jwt");
        files.put("private_key", TestCa.pkcs8Pem(TestCa.rsaKeys(1024).getPrivate()));

        assertInvalid(files, "private_key", "is an RSA key of 1024 bits; at least 2048 are needed");
    }

    @Test
    void ecKeyOnP521IsRefused() throws IOException {
        Map<String, String> files = base("private_key_jwt");
        files.put("private_key", TestCa.traditionalPem(TestCa.ecKeys("secp521r1").getPrivate()));

        assertInvalid(files, "private_key", "is an EC key on P-521; only P-256 and P-384 are used");
    }

    @Test
    void certificateOfAnotherKeyIsRefused() throws IOException {
        Map<String, String> files = base("tls_client_auth");
        files.put("tls.key", TestCa.traditionalPem(TestCa.rsaKeys(2048).getPrivate()));
        files.put("tls.crt", CA.issueClient("someone-else", TestCa.rsaKeys(2048)).certificatePem());

        assertInvalid(files, "tls.crt", "its first certificate is not for the private key");
    }

    @Test
    void unparseableKeyIsRefused() throws IOException {
        Map<String, String> files = base("private_key_jwt");
        String pem = TestCa.pkcs8Pem(TestCa.rsaKeys(2048).getPrivate());
        files.put("private_key", pem.replace("MII", "MIA"));

        assertInvalid(files, "private_key", "is neither an RSA nor an EC private key that can be read");
        files.put("private_key", pem.substring(0, pem.length() / 2));
        assertInvalid(files, "private_key", "holds a PEM block that is cut off or malformed");
    }

    @Test
    void tlsClientAuthWithoutACertificateIsRefused() throws IOException {
        Map<String, String> files = base("tls_client_auth");
        files.put("private_key", TestCa.pkcs8Pem(TestCa.ecKeys("secp384r1").getPrivate()));

        assertInvalid(files, "certificate", "missing or empty; tls_client_auth presents it");
    }

    @Test
    void privateKeyJwtWithoutAKeyIsRefused() throws IOException {
        assertInvalid(base("private_key_jwt"), "private_key", "missing or empty");
    }

    private void assertInvalid(Map<String, String> files, String file, String problem) throws IOException {
        CredentialLoader.Result result = loader.load("keyed", write(files));
        assertThat(result).isEqualTo(new CredentialLoader.Invalid("keyed", file, problem));
        String described = ((CredentialLoader.Invalid) result).describe();
        assertThat(described).doesNotContain("-----BEGIN");
        for (String content : files.values()) {
            for (String line : bodyLines(content)) {
                assertThat(described).doesNotContain(line);
            }
        }
    }

    /** The base64 lines of a PEM text (its key or certificate content). */
    static String[] bodyLines(String pem) {
        return Arrays.stream(pem.split("\n")).map(String::strip)
                .filter(line -> line.length() >= 16 && !line.startsWith("-----")).toArray(String[]::new);
    }

    private static Map<String, String> base(String method) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("client_id", "broker-client");
        files.put("scopes", "openid");
        files.put("token_url", TOKEN_URL);
        files.put("auth_method", method);
        return files;
    }

    private Credential valid(Map<String, String> files) throws IOException {
        CredentialLoader.Result result = loader.load("keyed", write(files));
        assertThat(result).isInstanceOf(CredentialLoader.Valid.class);
        return ((CredentialLoader.Valid) result).credential();
    }

    private Path write(Map<String, String> files) throws IOException {
        Path d = Files.createTempDirectory(dir, "c");
        for (Map.Entry<String, String> f : files.entrySet()) {
            Files.writeString(d.resolve(f.getKey()), f.getValue());
        }
        return d;
    }
}
