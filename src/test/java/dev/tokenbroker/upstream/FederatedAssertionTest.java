package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.testing.ClientKeys;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import dev.tokenbroker.testing.ProjectedToken;
import dev.tokenbroker.testing.TracesProfile;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code federated} against a WireMock token endpoint (docs/configuration.md, "Federated credentials"): the form
 * carries the token file's JWT as {@code client_assertion} with {@code client_id} and no secret; a renewed file is
 * used at the next mint without a restart; a file that is missing, not a JWT or expired makes the credential invalid
 * with that reason, at load or at a mint; and the ServiceAccount token shows in no log line, metric or span.
 */
@QuarkusTest
@TestProfile(TracesProfile.class)
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
class FederatedAssertionTest extends PrivateUpstreamBrokerTest {

    private static final String AUDIENCE = "https://idp.example/realms/apps";

    private final ProjectedToken projected = ProjectedToken.offline();
    private final List<String> tokens = new ArrayList<>();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    InMemorySpanExporter spans;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @BeforeEach
    void endpointTakesAssertions() {
        idp.server().stubFor(Ims.tokenRequest().atPriority(1)
                .withFormParam("client_assertion_type", equalTo("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"))
                .willReturn(Ims.token(86399)));
    }

    @Test
    void sendsTheTokenFilesJwtAsClientAssertionAndARenewedOneWithoutARestart() {
        tokens.add(projected.write(projected.issue(AUDIENCE)));
        mountFederated();

        tokenFor(IDP_A).statusCode(200);
        tokens.add(projected.write(projected.issue(AUDIENCE)));
        localCache.clear();
        tokenFor(IDP_A).statusCode(200);

        List<LoggedRequest> requests = idp.server().findAll(Ims.tokenRequested());
        assertThat(requests).hasSize(2);
        for (int i = 0; i < 2; i++) {
            Map<String, String> form = ClientKeys.form(requests.get(i).getBodyAsString());
            assertThat(form).containsOnlyKeys("grant_type", "scope", "client_id", "client_assertion_type", "client_assertion")
                    .containsEntry("grant_type", "client_credentials").containsEntry("client_id", ClientKeys.CLIENT_ID)
                    .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    .containsEntry("client_assertion", tokens.get(i));
            assertThat(requests.get(i).getHeader("Authorization")).isNull();
        }
        assertNoServiceAccountTokenShown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"missing", "not a JWT", "expired"})
    void aTokenFileThatCannotBeUsedMakesTheCredentialInvalidWithThatReason(String fault) {
        switch (fault) {
            case "missing" -> projected.remove();
            case "not a JWT" -> projected.write("not-a-jwt");
            default -> tokens.add(projected.write(projected.expired(AUDIENCE)));
        }
        secrets.write(IDP_A, federatedFiles());

        await().until(() -> credentials.problems().containsKey(IDP_A));
        assertThat(credentials.get(IDP_A)).isEmpty();
        assertThat(credentials.problems().get(IDP_A)).startsWith("file=federated_token_file problem=\"names "
                + projected.file() + ", which " + switch (fault) {
                    case "missing" -> "does not exist";
                    case "not a JWT" -> "does not hold a JWT";
                    default -> "holds a JWT that expired at ";
                });
        assertThat(Ims.tokenRequests(idp.server())).isZero();
        assertNoServiceAccountTokenShown();
    }

    @Test
    void aTokenFileThatExpiresAfterLoadingRefusesTheMintSayingWhyAndReportsTheCredentialUntilItIsRenewed() {
        tokens.add(projected.write(projected.issue(AUDIENCE)));
        mountFederated();
        tokens.add(projected.write(projected.expired(AUDIENCE)));

        tokenFor(IDP_A).statusCode(503).header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("code", org.hamcrest.Matchers.equalTo("upstream_unavailable"))
                .body("detail", allOf(containsString("Credential " + IDP_A + " cannot authenticate"),
                        containsString("federated token file holds a JWT that expired at")));

        assertThat(Ims.tokenRequests(idp.server())).as("the provider is not asked with an expired token").isZero();
        assertThat(credentials.problems().get(IDP_A)).contains("file=federated_token_file").contains("expired at");
        assertThat(credentials.get(IDP_A)).as("its last valid version stays").isPresent();
        assertThat(logs.messages("dev.tokenbroker.upstream.UpstreamTokenClient")).anySatisfy(line -> assertThat(line)
                .contains("event=federated_token_unusable credential=" + IDP_A).contains("action=mint_refused"));

        tokens.add(projected.write(projected.issue(AUDIENCE)));
        tokenFor(IDP_A).statusCode(200);
        assertThat(ClientKeys.form(idp.server().findAll(Ims.tokenRequested()).get(0).getBodyAsString()))
                .containsEntry("client_assertion", tokens.get(2));
        assertThat(credentials.problems()).as("the mint that succeeded ended the report").doesNotContainKey(IDP_A);
        assertNoServiceAccountTokenShown();
    }

    private void mountFederated() {
        secrets.write(IDP_A, federatedFiles());
        await().until(() -> credentials.get(IDP_A).filter(c -> c.authMethod() == AuthMethod.FEDERATED).isPresent());
    }

    private Map<String, String> federatedFiles() {
        return Map.of("client_id", ClientKeys.CLIENT_ID, "scopes", "openid", "token_url", idp.tokenUrl(),
                "auth_method", "federated", "federated_token_file", projected.file().toString(),
                "ca_file", idp.ca().pem());
    }

    /** No log line, metric or span holds a token of the file, nor its signature alone. */
    private void assertNoServiceAccountTokenShown() {
        String scrape = given().when().get(metrics).then().statusCode(200).extract().asString();
        String exported = spans.getFinishedSpanItems().toString();
        List<String> lines = logs.lines();
        assertThat(lines).isNotEmpty();
        for (String token : tokens) {
            String signature = token.substring(token.lastIndexOf('.') + 1);
            assertThat(lines).noneMatch(line -> line.contains(signature));
            assertThat(scrape).doesNotContain(signature);
            assertThat(exported).doesNotContain(signature);
        }
    }
}
