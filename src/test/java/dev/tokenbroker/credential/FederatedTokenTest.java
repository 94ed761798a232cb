package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.ProjectedToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code federated} credential as the loader reads it (docs/configuration.md, "Federated credentials"): a client id
 * and the path of a token file, no secret or key; a token file that is missing, not a JWT or expired makes the
 * credential invalid with that reason, like a missing secret, and never quotes the token.
 */
class FederatedTokenTest {

    private static final String AUDIENCE = "https://keycloak.example/realms/apps";

    @TempDir
    Path dir;

    private final CredentialLoader loader = new CredentialLoader(false);
    private final ProjectedToken projected = ProjectedToken.offline();

    @Test
    void aFederatedCredentialHoldsThePathAndNoSecretOrKey() throws IOException {
        projected.write(projected.issue(AUDIENCE));
        CredentialLoader.Result result = loader.load("apps", write(projected.file().toString()));
        assertThat(result).isInstanceOfSatisfying(CredentialLoader.Valid.class, valid -> {
            Credential credential = valid.credential();
            assertThat(credential.authMethod()).isEqualTo(AuthMethod.FEDERATED);
            assertThat(credential.clientAuth()).isEqualTo(new ClientAuth.Federated(projected.file()));
            assertThat(credential.clientSecret()).isEmpty();
            assertThat(credential.toString()).doesNotContain("eyJ");
        });
    }

    @Test
    void aMissingTokenFileMakesTheCredentialInvalid() throws IOException {
        assertThat(loader.load("apps", write(projected.file().toString()))).isEqualTo(new CredentialLoader.Invalid("apps",
                "federated_token_file", "names " + projected.file() + ", which does not exist"));
    }

    @Test
    void aFileThatHoldsNoJwtMakesTheCredentialInvalidWithoutQuotingIt() throws IOException {
        projected.write("not-a-jwt-but-perhaps-a-secret");
        CredentialLoader.Result result = loader.load("apps", write(projected.file().toString()));
        assertThat(result).isEqualTo(new CredentialLoader.Invalid("apps", "federated_token_file",
                "names " + projected.file() + ", which does not hold a JWT"));
    }

    @Test
    void anExpiredTokenMakesTheCredentialInvalidSayingWhen() throws IOException {
        String expired = projected.write(projected.expired(AUDIENCE));
        CredentialLoader.Result result = loader.load("apps", write(projected.file().toString()));
        assertThat(result).isInstanceOfSatisfying(CredentialLoader.Invalid.class, invalid -> {
            assertThat(invalid.file()).isEqualTo("federated_token_file");
            assertThat(invalid.problem()).startsWith("names " + projected.file() + ", which holds a JWT that expired at 20")
                    .doesNotContain(expired.split("\\.")[1]).doesNotContain(expired.split("\\.")[2]);
        });
    }

    @Test
    void anUnsignedJwtIsRefused() throws IOException {
        projected.write(new Cluster(Cluster.fileHost(dir.resolve("jwks.json"))).token(ProjectedToken.SERVICE_ACCOUNT)
                .unsigned());
        assertThat(loader.load("apps", write(projected.file().toString()))).isInstanceOfSatisfying(
                CredentialLoader.Invalid.class, invalid -> assertThat(invalid.problem()).contains("unsigned JWT"));
    }

    @Test
    void theFileMustBeNamedByAnAbsolutePath() throws IOException {
        assertThat(loader.load("apps", write("federated/token"))).isEqualTo(new CredentialLoader.Invalid("apps",
                "federated_token_file", "must be an absolute path (where the chart projects the token)"));
    }

    @Test
    void withoutTheFileTheMethodNeedsItsName() throws IOException {
        Path credential = write("x");
        Files.delete(credential.resolve("federated_token_file"));
        assertThat(loader.load("apps", credential))
                .isEqualTo(new CredentialLoader.Invalid("apps", "federated_token_file", "missing or empty"));
    }

    @Test
    void theReaderReadsARenewedTokenEachTime() {
        String first = projected.write(projected.issue(AUDIENCE));
        assertThat(FederatedToken.read(projected.file(), Instant.now())).isEqualTo(first);
        String second = projected.write(projected.issue(AUDIENCE));
        assertThat(second).isNotEqualTo(first);
        assertThat(FederatedToken.read(projected.file(), Instant.now())).isEqualTo(second);
    }

    private Path write(String tokenFile) throws IOException {
        Path credential = Files.createDirectories(dir.resolve("apps"));
        for (Map.Entry<String, String> file : Map.of("client_id", "token-broker", "scopes", "openid",
                "token_url", "https://keycloak.example/realms/apps/protocol/openid-connect/token",
                "auth_method", "federated", "federated_token_file", tokenFile).entrySet()) {
            Files.writeString(credential.resolve(file.getKey()), file.getValue() + "\n");
        }
        return credential;
    }
}
