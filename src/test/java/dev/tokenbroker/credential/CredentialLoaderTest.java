package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.testing.TestCa;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CredentialLoaderTest {

    @TempDir
    Path dir;

    private final CredentialLoader loader = new CredentialLoader(false);

    @Test
    void readsEveryFileOfTheContract() throws IOException {
        Map<String, String> files = minimal();
        files.put("client_secret_next", "next-secret\n");
        files.put("default_scopes", "openid");
        files.put("token_url", "https://ims-na1-stg1.adobelogin.com/ims/token/v3");
        files.put("auth_method", "client_secret_basic");
        files.put("scope_separator", "space");
        files.put("org_id", "ORG@AdobeOrg");
        files.put("technical_account_id", "TA@techacct.adobe.com");
        Credential c = valid(files);
        assertThat(c.clientId()).isEqualTo("client-id");
        assertThat(c.clientSecret()).hasValue(new Secret("the-secret"));
        assertThat(c.clientSecretNext()).hasValue(new Secret("next-secret"));
        assertThat(c.scopes().scopes()).containsExactly("AdobeID", "openid", "user_management_sdk");
        assertThat(c.defaultScopes().scopes()).containsExactly("openid");
        assertThat(c.tokenUrl()).isEqualTo(URI.create("https://ims-na1-stg1.adobelogin.com/ims/token/v3"));
        assertThat(c.authMethod()).isEqualTo(AuthMethod.CLIENT_SECRET_BASIC);
        assertThat(c.scopeSeparator()).isEqualTo(ScopeSeparator.SPACE);
        assertThat(c.orgId()).hasValue("ORG@AdobeOrg");
        assertThat(c.technicalAccountId()).hasValue("TA@techacct.adobe.com");
    }

    @Test
    void defaultsFollowTheContract() throws IOException {
        Credential c = valid(minimal());
        assertThat(c.tokenUrl()).isEqualTo(URI.create("https://ims-na1.adobelogin.com/ims/token/v3"));
        assertThat(c.authMethod()).isEqualTo(AuthMethod.CLIENT_SECRET_POST);
        assertThat(c.scopeSeparator()).isEqualTo(ScopeSeparator.COMMA);
        assertThat(c.defaultScopes()).isEqualTo(c.scopes());
        assertThat(c.clientSecretNext()).isEmpty();
    }

    @Test
    void credentialToStringNeverShowsASecret() throws IOException {
        assertThat(valid(minimal()).toString()).doesNotContain("the-secret");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "client_id|",
        "client_secret|",
        "scopes|",
        "scopes|open\"id",
        "default_scopes|openid,creative_sdk",
        "token_url|http://ims.example.com/token",
        "token_url|https://user:pw@ims.example.com/token",
        "token_url|not a url",
        "token_url|ftp://ims.example.com/token",
        "auth_method|client_secret_jwt",
        "scope_separator|semicolon",
        "org_id|a\u0001b",
    })
    void invalidFileIsNamedWithoutItsContent(String file, String value) throws IOException {
        Map<String, String> files = minimal();
        if (value == null) {
            files.remove(file);
        } else {
            files.put(file, value);
        }
        CredentialLoader.Result result = load(files);
        assertThat(result).isInstanceOf(CredentialLoader.Invalid.class);
        CredentialLoader.Invalid invalid = (CredentialLoader.Invalid) result;
        assertThat(invalid.file()).isEqualTo(file);
        if (value != null && !value.isBlank()) {
            assertThat(invalid.describe()).doesNotContain(value);
        }
    }

    @Test
    void httpIsAllowedOnLoopbackOnly() throws IOException {
        for (String url : new String[] {"http://localhost:8080/t", "http://127.0.0.1/t", "http://[::1]:9/t"}) {
            Map<String, String> files = minimal();
            files.put("token_url", url);
            assertThat(load(files)).as(url).isInstanceOf(CredentialLoader.Valid.class);
        }
        Map<String, String> files = minimal();
        files.put("token_url", "http://ims.internal/t");
        assertThat(new CredentialLoader(true).load("x", write(files))).isInstanceOf(CredentialLoader.Valid.class);
    }

    @Test
    void allowedHostsAdmitListedNamesAndNamesUnderAWildcard() throws IOException {
        CredentialLoader allowList = new CredentialLoader(false,
                Optional.of(List.of("ims-na1.adobelogin.com", " *.okta.com ", "LOCALHOST")));
        for (String url : new String[] {"https://ims-na1.adobelogin.com/ims/token/v3", "https://acme.okta.com/oauth2/v1/token",
                "https://a.b.okta.com/t", "http://localhost:8080/t", "https://IMS-NA1.adobelogin.com/t"}) {
            Map<String, String> files = minimal();
            files.put("token_url", url);
            assertThat(allowList.load("x", write(files))).as(url).isInstanceOf(CredentialLoader.Valid.class);
        }
        assertThat(allowList.load("x", write(minimal()))).as("the default, Adobe IMS").isInstanceOf(CredentialLoader.Valid.class);
    }

    @Test
    void tokenUrlOnAHostNotAllowedIsReportedWithoutTheSecretOrTheUrl() throws IOException {
        CredentialLoader allowList = new CredentialLoader(false, Optional.of(List.of("*.adobelogin.com")));
        for (String url : new String[] {"https://collect.evil.example/token", "https://okta.com/t",
                "https://adobelogin.com/t", "https://ims.adobelogin.com.evil.example/t", "http://localhost:9/t"}) {
            Map<String, String> files = minimal();
            files.put("token_url", url);
            assertThat(allowList.load("x", write(files))).as(url).isInstanceOfSatisfying(CredentialLoader.Invalid.class,
                    invalid -> {
                        assertThat(invalid.file()).isEqualTo("token_url");
                        assertThat(invalid.describe()).contains("tokenbroker.upstream.allowed-hosts")
                                .doesNotContain("the-secret").doesNotContain(url).doesNotContain("evil");
                    });
        }
        CredentialLoader keycloakOnly = new CredentialLoader(false, Optional.of(List.of("keycloak.example.com")));
        assertThat(keycloakOnly.load("x", write(minimal()))).isInstanceOfSatisfying(CredentialLoader.Invalid.class,
                invalid -> assertThat(invalid.problem()).endsWith("(the default, Adobe IMS)"));
    }

    @Test
    void allowedHostsThatAreNoHostNamesStopStartUp() {
        for (String entry : new String[] {"https://ims.example.com", "*", "ims.example.com/token", "*.*.example.com"}) {
            assertThatThrownBy(() -> new CredentialLoader(false, Optional.of(List.of(entry)))).as(entry)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("tokenbroker.upstream.allowed-hosts");
        }
    }

    @Test
    void caFileIsReadIntoTheCredential() throws IOException {
        TestCa ca = TestCa.create("private CA");
        Map<String, String> files = minimal();
        files.put("ca_file", ca.pem());

        assertThat(valid(files).caBundle()).hasValueSatisfying(bundle ->
                assertThat(bundle.certificates()).containsExactly(ca.certificate()));
        assertThat(valid(minimal()).caBundle()).isEmpty();
    }

    @Test
    void brokenCaFileIsNamedWithoutItsContent() throws IOException {
        Map<String, String> files = minimal();
        files.put("ca_file", "-----BEGIN CERTIFICATE-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END CERTIFICATE-----\n");

        assertThat(load(files)).isEqualTo(new CredentialLoader.Invalid("adobe-admin", "ca_file",
                "certificate 1 is not a valid X.509 certificate"));
    }

    @Test
    void caFileDoesNotMakeHttpAcceptable() throws IOException {
        Map<String, String> files = minimal();
        files.put("ca_file", TestCa.create("private CA").pem());
        files.put("token_url", "http://ims.internal/t");

        assertThat(load(files)).isInstanceOfSatisfying(CredentialLoader.Invalid.class,
                invalid -> assertThat(invalid.file()).isEqualTo("token_url"));
    }

    @Test
    void invalidUtf8IsReported() throws IOException {
        Path d = write(minimal());
        Files.write(d.resolve("client_id"), new byte[] {(byte) 0xc3, (byte) 0x28});
        assertThat(loader.load("x", d)).isEqualTo(new CredentialLoader.Invalid("x", "client_id", "is not valid UTF-8"));
    }

    @Test
    void tokenParamsAreDecodedKeptInOrderWithRepeats() throws IOException {
        Map<String, String> files = minimal();
        files.put("token_params", "audience=https%3A%2F%2Fapi.example.com\n\n resource = https://a.example.com/x\n"
                + "resource=https://b.example.com\r\nnote=two+words%2B\n");
        Credential c = valid(files);
        assertThat(c.tokenParams().params()).extracting(p -> p.name() + "=" + p.value()).containsExactly(
                "audience=https://api.example.com", "resource=https://a.example.com/x", "resource=https://b.example.com",
                "note=two words+");
        assertThat(c.toString()).contains("audience").doesNotContain("api.example.com");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "grant_type=password|line 1 names grant_type, which the broker sets itself",
            "audience=x\\nscope=openid|line 2 names scope, which the broker sets itself",
            "client_id=other|line 1 names client_id, which the broker sets itself",
            "CLIENT_SECRET=s3cr3t-value|line 1 names client_secret, which the broker sets itself",
            "client_assertion=eyJ|line 1 names client_assertion, which the broker sets itself",
            "client_assertion_type=urn:x|line 1 names client_assertion_type, which the broker sets itself",
            "client%5Fsecret=s3cr3t-value|line 1 names client_secret, which the broker sets itself",
            "audience|line 1 is not name=value",
            "=s3cr3t-value|line 1 is not name=value",
            "audience=%zz-s3cr3t-value|line 1 is not URL-encoded (a % without two hex digits)",
            "audience=a%00s3cr3t-value|line 1: the value is longer than 2048 characters or holds control characters",
            "a b=s3cr3t-value|line 1: the name must be 1 to 128 of A-Z a-z 0-9 . _ ~ : [ ] -"})
    void brokenOrReservedTokenParamsMakeTheCredentialInvalidWithoutQuotingValues(String content, String problem)
            throws IOException {
        Map<String, String> files = minimal();
        files.put("token_params", content.replace("\\n", "\n"));
        assertThat(load(files)).isEqualTo(new CredentialLoader.Invalid("adobe-admin", "token_params", problem));
        assertThat(problem).doesNotContain("s3cr3t");
    }

    @Test
    void tooManyTokenParamsAreRefused() throws IOException {
        Map<String, String> files = minimal();
        files.put("token_params", "resource=https://x\n".repeat(33));
        assertThat(load(files)).isEqualTo(new CredentialLoader.Invalid("adobe-admin", "token_params", "more than 32 parameters"));
        files.put("token_params", "resource=https://x\n".repeat(32));
        assertThat(valid(files).tokenParams().params()).hasSize(32);
    }

    @ParameterizedTest
    @CsvSource({"3600,3600", "45m,2700", "1h,3600", "1d,86400", "7d,604800", "90s,90"})
    void defaultLifetimeIsSecondsOrANumberWithAUnit(String value, long seconds) throws IOException {
        Map<String, String> files = minimal();
        files.put("default_lifetime", value + "\n");
        assertThat(valid(files).defaultLifetime()).hasValue(java.time.Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0|must be above 0 and at most 604800 s (tokenbroker.upstream.max-token-lifetime)",
            "8d|must be above 0 and at most 604800 s (tokenbroker.upstream.max-token-lifetime)",
            "1 hour|must be seconds (3600) or a number with s, m, h or d (45m, 1h)",
            "-5|must be seconds (3600) or a number with s, m, h or d (45m, 1h)"})
    void defaultLifetimeOutsideItsBoundsMakesTheCredentialInvalid(String value, String problem) throws IOException {
        Map<String, String> files = minimal();
        files.put("default_lifetime", value);
        assertThat(load(files)).isEqualTo(new CredentialLoader.Invalid("adobe-admin", "default_lifetime", problem));
    }

    @Test
    void defaultLifetimeIsBoundByTheConfiguredMaximum() throws IOException {
        Map<String, String> files = minimal();
        files.put("default_lifetime", "2h");
        assertThat(new CredentialLoader(false, Optional.empty(), java.time.Duration.ofHours(1)).load("x", write(files)))
                .isEqualTo(new CredentialLoader.Invalid("x", "default_lifetime",
                        "must be above 0 and at most 3600 s (tokenbroker.upstream.max-token-lifetime)"));
    }

    @Test
    void changedTokenParamsAreAnotherAccountAChangedSecretIsNot() throws IOException {
        Map<String, String> files = minimal();
        files.put("token_params", "audience=https://api.example.com");
        Credential first = valid(files);
        files.put("client_secret", "rotated");
        assertThat(valid(files).sameAccountAs(first)).isTrue();
        files.put("token_params", "audience=https://other.example.com");
        assertThat(valid(files).sameAccountAs(first)).isFalse();
        files.remove("token_params");
        assertThat(valid(files).sameAccountAs(first)).isFalse();
    }

    private static Map<String, String> minimal() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("client_id", "  client-id\n");
        files.put("client_secret", "the-secret\n");
        files.put("scopes", "openid,AdobeID\nuser_management_sdk");
        return files;
    }

    private Credential valid(Map<String, String> files) throws IOException {
        CredentialLoader.Result result = load(files);
        assertThat(result).isInstanceOf(CredentialLoader.Valid.class);
        return ((CredentialLoader.Valid) result).credential();
    }

    private CredentialLoader.Result load(Map<String, String> files) throws IOException {
        return loader.load("adobe-admin", write(files));
    }

    private Path write(Map<String, String> files) throws IOException {
        Path d = Files.createTempDirectory(dir, "cred");
        for (var file : files.entrySet()) {
            Files.writeString(d.resolve(file.getKey()), file.getValue());
        }
        return d;
    }
}
