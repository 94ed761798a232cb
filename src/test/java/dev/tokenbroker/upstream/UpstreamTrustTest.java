package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token endpoint whose certificate a private CA issued, with no {@code tokenbroker.upstream.ca-file}: trusted
 * only through a credential's {@code ca_file}, and only by the credential that has it.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
class UpstreamTrustTest extends PrivateUpstreamBrokerTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void privateUpstreamIsRefusedAsUnavailableWithoutItsCaAndNotRetried() {
        mount(IDP_A, Optional.empty());
        double before = upstreamCalls(IDP_A, "untrusted_certificate");

        tokenFor(IDP_A).statusCode(503)
                .body("code", equalTo("upstream_unavailable"))
                .body("detail", equalTo("The identity provider cannot be reached now (untrusted_certificate); try again later."))
                .header("Retry-After", notNullValue());

        assertThat(upstreamCalls(IDP_A, "untrusted_certificate") - before).as("one attempt, not retried").isEqualTo(1);
        assertThat(Ims.tokenRequests(idp.server())).as("no request got through the handshake").isZero();
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenEndpoints"))
                .anySatisfy(line -> assertThat(line)
                        .startsWith("event=upstream_untrusted credential=idp-a host=localhost:" + idp.server().httpsPort()
                                + " cause=tls_untrusted_certificate trusted=system problem=\"")
                        .contains("action=not_retried"));
        assertThat(logs.lines()).noneMatch(line -> line.contains(Fixtures.CLIENT_SECRET));
    }

    @Test
    void credentialCaFileMakesThePrivateUpstreamTrusted() {
        mount(IDP_A, Optional.of(idp.ca().pem()));

        tokenFor(IDP_A).statusCode(200).body("access_token", startsWith("eyJ"));

        assertThat(Ims.tokenRequests(idp.server())).isEqualTo(1);
    }

    @Test
    void caFileNamingAnotherCaIsRefusedUntilItIsFixed() {
        mount(IDP_A, Optional.of(idp.otherCa().pem()));
        tokenFor(IDP_A).statusCode(503).body("code", equalTo("upstream_unavailable"));
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenEndpoints"))
                .anySatisfy(line -> assertThat(line).contains("credential=idp-a").contains("trusted=system+credential_ca_file"));

        mount(IDP_A, Optional.of(idp.otherCa().pem() + idp.ca().pem()));

        tokenFor(IDP_A).statusCode(200);
    }

    @Test
    void credentialsWithDifferentCasOnOneTokenUrlDoNotShareAClient() {
        mount(IDP_A, Optional.of(idp.ca().pem()));
        mount(IDP_B, Optional.of(idp.otherCa().pem()));

        tokenFor(IDP_A).statusCode(200);
        tokenFor(IDP_B).statusCode(503).body("code", equalTo("upstream_unavailable"));
        localCache.clear();
        tokenFor(IDP_A).statusCode(200);
        assertThat(Ims.tokenRequests(idp.server())).isEqualTo(2);
    }

    @Test
    void brokenCaFileKeepsTheLastValidVersionAndIsNamedWithoutItsContent() {
        mount(IDP_A, Optional.of(idp.ca().pem()));
        String broken = "-----BEGIN CERTIFICATE-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END CERTIFICATE-----\n";

        secrets.update(IDP_A, "ca_file", broken);

        await().until(() -> credentials.problems().containsKey(IDP_A));
        assertThat(credentials.problems().get(IDP_A))
                .isEqualTo("file=ca_file problem=\"certificate 1 is not a valid X.509 certificate\"");
        assertThat(logs.messages("dev.tokenbroker.credential.CredentialRegistry"))
                .contains("event=credential_invalid credential=idp-a file=ca_file problem=\"certificate 1 is not a valid "
                        + "X.509 certificate\" action=serving_last_valid_version");
        assertThat(logs.lines()).noneMatch(line -> line.contains("TUlJQnNlY3JldC1sb29raW5n"));
        tokenFor(IDP_A).statusCode(200);
    }
}
