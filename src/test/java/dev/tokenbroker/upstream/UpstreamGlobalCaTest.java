package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tokenbroker.upstream.ca-file} holding the private CA: every credential without a {@code ca_file} trusts
 * it; a credential's own {@code ca_file} replaces it; a changed file is read at the next mint, a broken one is
 * reported and the last valid version kept.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(value = PrivateIdentityProviderResource.class, initArgs = @ResourceArg(name = "global-ca-file", value = "true"))
class UpstreamGlobalCaTest extends PrivateUpstreamBrokerTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @AfterEach
    void restoreGlobalCaFile() {
        idp.writeCaFile(idp.ca().pem());
    }

    @Test
    void globalCaFileMakesThePrivateUpstreamTrusted() {
        mount(IDP_A, Optional.empty());

        tokenFor(IDP_A).statusCode(200).body("access_token", startsWith("eyJ"));

        assertThat(Ims.tokenRequests(idp.server())).isEqualTo(1);
    }

    @Test
    void credentialCaFileReplacesTheGlobalOneForThatCredentialOnly() {
        mount(IDP_A, Optional.empty());
        mount(IDP_B, Optional.of(idp.otherCa().pem()));

        tokenFor(IDP_B).statusCode(503).body("code", equalTo("upstream_unavailable"));
        tokenFor(IDP_A).statusCode(200);

        assertThat(logs.messages("dev.tokenbroker.upstream.TokenEndpoints"))
                .anySatisfy(line -> assertThat(line).startsWith("event=upstream_untrusted credential=idp-b")
                        .contains("trusted=system+credential_ca_file"));
    }

    @Test
    void changedGlobalCaFileIsReadAtTheNextMint() {
        mount(IDP_A, Optional.empty());
        idp.writeCaFile(idp.otherCa().pem());

        tokenFor(IDP_A).statusCode(503).body("code", equalTo("upstream_unavailable"));
        assertThat(logs.messages("dev.tokenbroker.upstream.UpstreamCaFile"))
                .contains("event=upstream_ca_file_loaded file=" + idp.caFile() + " certificates=1");
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenEndpoints"))
                .anySatisfy(line -> assertThat(line).startsWith("event=upstream_untrusted credential=idp-a")
                        .contains("trusted=system+upstream_ca_file"));

        idp.writeCaFile(idp.ca().pem());

        tokenFor(IDP_A).statusCode(200);
    }

    @Test
    void brokenGlobalCaFileIsReportedAndTheLastValidVersionKept() {
        mount(IDP_A, Optional.empty());
        idp.writeCaFile("-----BEGIN PRIVATE KEY-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END PRIVATE KEY-----\n");

        tokenFor(IDP_A).statusCode(200);

        assertThat(logs.messages("dev.tokenbroker.upstream.UpstreamCaFile"))
                .contains("event=upstream_ca_file_invalid file=" + idp.caFile()
                        + " problem=\"holds a private key; only CA certificates belong here\" action=keeping_last_valid_version");
        assertThat(logs.lines()).noneMatch(line -> line.contains("TUlJQnNlY3JldC1sb29raW5n"));
    }
}
