package dev.tokenbroker.oauth;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POST /oauth2/token}, {@code /ims/token/v3|v2} and the RFC 8414 metadata, by hand-made requests: every answer
 * and error of contract section 7, token exchange, client assertions, hostile input. Real client libraries are in
 * {@link OAuthClientLibrariesTest}.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class OAuthTokenEndpointTest extends ServiceAccountBrokerTest {

    static final String FORM = "application/x-www-form-urlencoded";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    MeterRegistry meters;

    static RequestSpecification form() {
        return given().contentType(FORM);
    }

    static RequestSpecification clientCredentials() {
        return form().formParam("grant_type", "client_credentials");
    }

    static RequestSpecification tokenExchange(String subjectToken) {
        return form().formParam("grant_type", OAuthTokenResource.TOKEN_EXCHANGE)
                .formParam("subject_token", subjectToken)
                .formParam("subject_token_type", OAuthTokenResource.JWT_TOKEN_TYPE);
    }

    static String basic(String clientId, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    static ValidatableResponse ok(RequestSpecification request, String path) {
        return request.when().post(path).then().statusCode(200)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .body("access_token", startsWith("eyJ"))
                .body("expires_in", allOf(greaterThan(86380), lessThanOrEqualTo(86399)));
    }

    /** Posts and checks the answer is exactly this RFC 6749 5.2 error, and echoes none of the request's secrets. */
    static ValidatableResponse error(RequestSpecification request, String path, int status, String error) {
        ValidatableResponse response = request.when().post(path).then().statusCode(status)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .body("error", equalTo(error))
                .body("error_description", notNullValue())
                .body(not(org.hamcrest.Matchers.containsString("tb-")))
                .body(not(org.hamcrest.Matchers.containsString("eyJ")));
        return status == 401 ? response.header("WWW-Authenticate", "Basic realm=\"token-broker\"") : response;
    }

    @Test
    void clientSecretPostGetsAnRfc6749Answer() {
        ok(clientCredentials().formParam("client_id", "adobe-admin").formParam("client_secret", BILLING_KEY)
                .formParam("scope", "openid AdobeID"), "/oauth2/token")
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("AdobeID openid"))
                .body("$", not(hasKey("issued_token_type")));
        ims.verify(1, Ims.tokenRequested().withFormParam("scope", WireMock.equalTo("AdobeID,openid")));
    }

    @Test
    void clientSecretBasicNamesTheCredentialByItsConfiguredClientId() {
        ok(clientCredentials().header("Authorization", basic(Fixtures.CLIENT_ID, BILLING_KEY))
                .formParam("scope", "openid,user_management_sdk"), "/oauth2/token")
                .body("scope", equalTo("openid user_management_sdk"));
    }

    @Test
    void noScopeMeansTheCredentialsDefaultScopes() {
        ok(clientCredentials().header("Authorization", basic("adobe-admin", BILLING_KEY)), "/oauth2/token")
                .body("scope", equalTo("AdobeID openid"));
    }

    @Test
    void imsPathsAnswerAsImsDoesUrlencodedOrMultipart() {
        ok(form().formParam("grant_type", "client_credentials").formParam("client_id", Fixtures.CLIENT_ID)
                .formParam("client_secret", BILLING_KEY).formParam("scope", "openid,AdobeID")
                .formParam("org_id", Fixtures.ORG_ID), "/ims/token/v3")
                .body("token_type", equalTo("bearer"))
                .body("$", not(hasKey("scope")));
        ok(given().multiPart("grant_type", "client_credentials").multiPart("client_id", Fixtures.CLIENT_ID)
                .multiPart("client_secret", BILLING_KEY).multiPart("scope", "openid,AdobeID"), "/ims/token/v2")
                .body("token_type", equalTo("bearer"));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void everySurfaceGivesTheSameTokenForOneScopeSetWithOneUpstreamCall() {
        String viaTokens = as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("scope", "openid,AdobeID")
                .when().get("/tokens").then().statusCode(200).extract().path("access_token");
        String viaOAuth = ok(clientCredentials().header("Authorization", basic("adobe-admin", BILLING_KEY))
                .formParam("scope", "AdobeID openid"), "/oauth2/token").extract().path("access_token");
        String viaIms = ok(form().formParam("client_id", Fixtures.CLIENT_ID).formParam("client_secret", OPS_KEY)
                .formParam("scope", "AdobeID,openid"), "/ims/token/v3").extract().path("access_token");
        String viaExchange = ok(tokenExchange(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign())
                .formParam("resource", "adobe-admin").formParam("scope", "openid,AdobeID"), "/oauth2/token")
                .extract().path("access_token");
        assertThat(viaOAuth).isEqualTo(viaTokens);
        assertThat(viaIms).isEqualTo(viaTokens);
        assertThat(viaExchange).isEqualTo(viaTokens);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void clientAssertionIsTheCallersServiceAccountToken() {
        ok(clientCredentials().formParam("client_id", "adobe-admin")
                .formParam("client_assertion_type", ClientAuthentication.JWT_BEARER)
                .formParam("client_assertion", cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(cluster.ec).sign()),
                "/oauth2/token").body("scope", equalTo("AdobeID openid"));
    }

    @Test
    void tokenExchangeWithAGoodSubjectTokenNamesTheIssuedTokenType() {
        ok(tokenExchange(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign()).formParam("audience", "adobe-admin"), "/oauth2/token")
                .body("issued_token_type", equalTo(OAuthTokenResource.ACCESS_TOKEN_TYPE))
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("AdobeID openid"));
    }

    @Test
    void decisionsAreAuditedAsOnGetTokens() {
        logs.clear();
        ok(clientCredentials().header("Authorization", basic(Fixtures.CLIENT_ID, OPS_KEY)).formParam("scope", "openid"),
                "/oauth2/token");
        error(clientCredentials().header("Authorization", basic("adobe-admin", STRANGER_KEY)), "/oauth2/token", 400,
                "unauthorized_client");
        assertThat(logs.messages("tokenbroker.audit")).satisfiesExactly(
                line -> assertThat(line).startsWith("event=token_request caller=ops method=api-key credential=adobe-admin"
                        + " scopes=\"openid\" outcome=ok status=200 tier=upstream fingerprint="),
                line -> assertThat(line).contains("caller=stranger", "credential=adobe-admin", "outcome=forbidden",
                        "reason=no_grant_for_credential", " peer="));
    }

    @Test
    void decisionsAreCountedAsOnGetTokensAndNoLogLineHoldsAKeyOrToken() {
        double okBefore = requests("adobe-admin", "billing", "ok");
        double forbiddenBefore = requests("adobe-admin", "stranger", "forbidden");
        String token = ok(form().formParam("client_id", Fixtures.CLIENT_ID).formParam("client_secret", BILLING_KEY),
                "/ims/token/v3").extract().path("access_token");
        error(clientCredentials().formParam("client_id", "adobe-admin").formParam("client_secret", STRANGER_KEY),
                "/oauth2/token", 400, "unauthorized_client");
        assertThat(requests("adobe-admin", "billing", "ok") - okBefore).isEqualTo(1);
        assertThat(requests("adobe-admin", "stranger", "forbidden") - forbiddenBefore).isEqualTo(1);
        assertThat(logs.lines()).isNotEmpty()
                .noneMatch(line -> line.contains(BILLING_KEY) || line.contains(STRANGER_KEY) || line.contains(token));
    }

    /** {@code credential} is the name of a loaded credential, refused or not, else {@code unknown}, as on {@code GET /tokens}. */
    private double requests(String credential, String caller, String outcome) {
        return meters.find("tokenbroker.requests").tags("credential", credential, "caller", caller, "outcome", outcome)
                .counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void metadataNamesTheTokenEndpointAndNoScopes() {
        given().when().get("/.well-known/oauth-authorization-server").then().statusCode(200)
                .contentType("application/json")
                .body("issuer", startsWith("http://localhost:"))
                .body("token_endpoint", startsWith("http://localhost:"))
                .body("token_endpoint", org.hamcrest.Matchers.endsWith("/oauth2/token"))
                .body("grant_types_supported", org.hamcrest.Matchers.contains("client_credentials", OAuthTokenResource.TOKEN_EXCHANGE))
                .body("token_endpoint_auth_methods_supported",
                        org.hamcrest.Matchers.contains("client_secret_basic", "client_secret_post", "private_key_jwt"))
                .body("$", not(hasKey("scopes_supported")));
    }

    static Stream<Arguments> refusedClients() {
        return Stream.of(
                Arguments.of("a key no caller has", basic("adobe-admin", "tb-unknown-key-000000")),
                Arguments.of("a key no caller has, for a credential that does not exist", basic("no-such-credential",
                        "tb-unknown-key-0000000000000000000000")),
                Arguments.of("a bearer header instead of basic", "Bearer " + BILLING_KEY),
                Arguments.of("basic credentials that are not base64", "Basic %%%"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedClients")
    void refusedClientsAllLookAlike(String name, String authorization) {
        String description = error(clientCredentials().header("Authorization", authorization), "/oauth2/token", 401,
                "invalid_client").extract().path("error_description");
        assertThat(description).doesNotContain("ghost", "no-such", "adobe-admin");
        assertThat(Ims.tokenRequests(ims)).isZero();
    }

    @Test
    void imsPathsRefuseABadKeyAsInvalidClient() {
        error(form().formParam("client_id", Fixtures.CLIENT_ID).formParam("client_secret", "tb-unknown-key-000000"),
                "/ims/token/v3", 401, "invalid_client");
        error(given().multiPart("client_id", Fixtures.CLIENT_ID).multiPart("client_secret", "tb-unknown-key-0000000000000000000000"),
                "/ims/token/v2", 401, "invalid_client");
    }

    /**
     * A client that authenticated but holds no grant for the credential is {@code unauthorized_client} (RFC 6749 5.2),
     * not {@code invalid_client}, which clients report as bad credentials; a credential that does not exist answers
     * exactly alike, so names cannot be probed.
     */
    @Test
    void aClientWithoutAGrantIsAnUnauthorizedClientWhetherOrNotTheCredentialExists() {
        String existing = error(clientCredentials().header("Authorization", basic("adobe-admin", STRANGER_KEY)),
                "/oauth2/token", 400, "unauthorized_client").extract().asString();
        String missing = error(clientCredentials().header("Authorization", basic("no-such-credential", STRANGER_KEY)),
                "/oauth2/token", 400, "unauthorized_client").extract().asString();
        assertThat(missing).isEqualTo(existing).doesNotContain("adobe-admin", "no-such");
        error(form().formParam("client_id", Fixtures.CLIENT_ID).formParam("client_secret", STRANGER_KEY), "/ims/token/v3",
                400, "unauthorized_client");
        assertThat(Ims.tokenRequests(ims)).isZero();
    }

    /** Scopes beyond the grant are {@code invalid_scope}, naming them; so is asking none when the grant holds no default scope. */
    @Test
    void aScopeBeyondTheGrantIsInvalidScope() throws Exception {
        error(clientCredentials().header("Authorization", basic("adobe-admin", BILLING_KEY)).formParam("scope", "openid read_organizations"),
                "/oauth2/token", 400, "invalid_scope").body("error_description", equalTo("No grant for scopes: read_organizations."));
        error(form().formParam("client_id", Fixtures.CLIENT_ID).formParam("client_secret", BILLING_KEY)
                .formParam("scope", "openid,read_organizations"), "/ims/token/v3", 400, "invalid_scope");
        java.nio.file.Files.writeString(callersFile, Fixtures.callersYaml() + """
                  - name: sdk-only
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: [user_management_sdk]}]
                """.formatted(Fixtures.sha256(SDK_ONLY_KEY)));
        org.awaitility.Awaitility.await().until(() -> callers.policy().callers().size() == 6);
        error(clientCredentials().header("Authorization", basic("adobe-admin", SDK_ONLY_KEY)), "/oauth2/token", 400,
                "invalid_scope").body("error_description", startsWith("No scope was named, and the grant holds none of"
                        + " the credential's default scopes (AdobeID openid)"));
        assertThat(Ims.tokenRequests(ims)).isZero();
    }

    private static final String SDK_ONLY_KEY = "tb-sdk-only-key-0123456789abcdef0123";

    /** Without {@code scope}, a caller granted part of the default scopes gets that part, as on {@code GET /tokens}. */
    @Test
    void withoutScopeTheDefaultScopesThatTheGrantHoldsAreAskedFor() throws Exception {
        java.nio.file.Files.writeString(callersFile, Fixtures.callersYaml() + """
                  - name: openid-only
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: [openid, user_management_sdk]}]
                """.formatted(Fixtures.sha256(SDK_ONLY_KEY)));
        org.awaitility.Awaitility.await().until(() -> callers.policy().callers().size() == 6);
        ok(clientCredentials().header("Authorization", basic("adobe-admin", SDK_ONLY_KEY)), "/oauth2/token")
                .body("scope", equalTo("openid"));
        as(SDK_ONLY_KEY).queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200)
                .body("scope", equalTo("openid"));
    }

    /** A credential the client is granted but the broker has not loaded is the broker's fault: 500 server_error. */
    @Test
    void aGrantedCredentialThatIsNotLoadedIsAServerErrorNotTheClients() {
        error(clientCredentials().header("Authorization", basic("ghost", BILLING_KEY)), "/oauth2/token", 500, "server_error")
                .header("WWW-Authenticate", org.hamcrest.Matchers.nullValue());
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("no grant_type", (Supplier<RequestSpecification>) () -> form().formParam("client_id", "adobe-admin").formParam("client_secret", BILLING_KEY),
                        400, "invalid_request"),
                Arguments.of("an unknown grant_type", (Supplier<RequestSpecification>) () -> form().formParam("grant_type", "password")
                        .formParam("username", "u").formParam("password", "p"), 400, "unsupported_grant_type"),
                Arguments.of("a scope the credential lacks", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_id", "adobe-admin")
                        .formParam("client_secret", OPS_KEY).formParam("scope", "openid,no_such_scope"), 400, "invalid_scope"),
                Arguments.of("a repeated scope", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_id", "adobe-admin")
                        .formParam("client_secret", BILLING_KEY).formParam("scope", "openid").formParam("scope", "AdobeID"),
                        400, "invalid_request"),
                Arguments.of("a repeated client_id", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_id", "adobe-admin")
                        .formParam("client_id", "ghost").formParam("client_secret", BILLING_KEY), 400, "invalid_request"),
                Arguments.of("a repeated grant_type", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("grant_type", "client_credentials")
                        .formParam("client_id", "adobe-admin").formParam("client_secret", BILLING_KEY), 400, "invalid_request"),
                Arguments.of("two client authentication methods", (Supplier<RequestSpecification>) () -> clientCredentials()
                        .header("Authorization", basic("adobe-admin", BILLING_KEY)).formParam("client_secret", BILLING_KEY),
                        400, "invalid_request"),
                Arguments.of("no client authentication", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_id", "adobe-admin"),
                        401, "invalid_client"),
                Arguments.of("a client secret without client_id", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_secret", BILLING_KEY),
                        400, "invalid_request"),
                Arguments.of("a bad min_ttl", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_id", "adobe-admin")
                        .formParam("client_secret", BILLING_KEY).formParam("min_ttl", "soon"), 400, "invalid_request"),
                Arguments.of("another client assertion type", (Supplier<RequestSpecification>) () -> clientCredentials().formParam("client_id", "adobe-admin")
                        .formParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
                        .formParam("client_assertion", "PHNhbWw+"), 400, "invalid_request"),
                Arguments.of("a JSON body", (Supplier<RequestSpecification>) () -> given().contentType("application/json")
                        .body("{\"grant_type\":\"client_credentials\",\"client_id\":\"adobe-admin\",\"client_secret\":\"" + BILLING_KEY + "\"}"),
                        400, "invalid_request"),
                Arguments.of("a malformed form", (Supplier<RequestSpecification>) () -> given().contentType(FORM)
                        .body("grant_type=client_credentials&client_id=%zz&client_secret=%"), 400, "invalid_request"),
                Arguments.of("a text body", (Supplier<RequestSpecification>) () -> given().contentType("text/plain").body("grant_type=client_credentials"),
                        400, "invalid_request"),
                Arguments.of("token exchange without resource or audience", (Supplier<RequestSpecification>) () -> tokenExchange("x.y.z"), 400, "invalid_request"),
                Arguments.of("token exchange with another subject token type", (Supplier<RequestSpecification>) () -> form()
                        .formParam("grant_type", OAuthTokenResource.TOKEN_EXCHANGE).formParam("subject_token", "x.y.z")
                        .formParam("subject_token_type", "urn:ietf:params:oauth:token-type:saml2")
                        .formParam("resource", "adobe-admin"), 400, "invalid_request"),
                Arguments.of("token exchange with client authentication", (Supplier<RequestSpecification>) () -> tokenExchange("x.y.z").formParam("resource", "adobe-admin")
                        .formParam("client_id", "adobe-admin").formParam("client_secret", BILLING_KEY), 400, "invalid_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void requestErrorsAreRfc6749Errors(String name, Supplier<RequestSpecification> request, int status, String error) {
        error(request.get(), "/oauth2/token", status, error);
        assertThat(Ims.tokenRequests(ims)).isZero();
    }

    @Test
    void imsPathsRefuseAJsonBodyAndAnotherGrantType() {
        error(given().contentType("application/json").body("{}"), "/ims/token/v3", 400, "invalid_request");
        error(form().formParam("grant_type", "authorization_code").formParam("client_id", "adobe-admin")
                .formParam("client_secret", BILLING_KEY), "/ims/token/v3", 400, "unsupported_grant_type");
        error(form().formParam("client_id", "adobe-admin").formParam("client_secret", OPS_KEY)
                .formParam("scope", "openid").formParam("scope", "AdobeID"), "/ims/token/v3", 400, "invalid_request");
    }

    static Stream<Arguments> refusedAssertions() {
        return Stream.of(
                Arguments.of("alg none", (Function<Cluster, String>)
                        c -> c.token(PAYMENTS_SERVICE_ACCOUNT).unsigned()),
                Arguments.of("HS256", (Function<Cluster, String>)
                        c -> c.token(PAYMENTS_SERVICE_ACCOUNT).hs256(new byte[32])),
                Arguments.of("expired", (Function<Cluster, String>)
                        c -> c.token(PAYMENTS_SERVICE_ACCOUNT).expiresAt(Instant.now().minus(Duration.ofMinutes(5))).sign()),
                Arguments.of("for another audience", (Function<Cluster, String>)
                        c -> c.token(PAYMENTS_SERVICE_ACCOUNT).audience("vault").sign()));
    }

    @ParameterizedTest(name = "client assertion {0}")
    @MethodSource("refusedAssertions")
    void refusedClientAssertionIsInvalidClient(String name, Function<Cluster, String> token) {
        error(clientCredentials().formParam("client_id", "adobe-admin")
                .formParam("client_assertion_type", ClientAuthentication.JWT_BEARER)
                .formParam("client_assertion", token.apply(cluster)), "/oauth2/token", 401, "invalid_client");
    }

    @ParameterizedTest(name = "subject token {0}")
    @MethodSource("refusedAssertions")
    void refusedSubjectTokenIsInvalidGrant(String name, Function<Cluster, String> token) {
        error(tokenExchange(token.apply(cluster)).formParam("resource", "adobe-admin"), "/oauth2/token", 400, "invalid_grant");
    }

    /** RFC 8693 2.2.2: a subject whose caller holds no grant for the resource is {@code invalid_target}, whether it exists or not. */
    @Test
    void subjectTokenOfACallerWithoutAGrantIsInvalidTarget() {
        error(tokenExchange(cluster.token(Fixtures.REPORTS_SERVICE_ACCOUNT).sign()).formParam("resource", "adobe-admin"),
                "/oauth2/token", 400, "invalid_target");
        error(tokenExchange(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign()).formParam("resource", "no-such-credential"),
                "/oauth2/token", 400, "invalid_target");
    }

    @Test
    void identityProviderDownIsTemporarilyUnavailableWithRetryAfter() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(WireMock.aResponse().withStatus(503)));
        error(clientCredentials().header("Authorization", basic("adobe-admin", BILLING_KEY)), "/oauth2/token", 503,
                "temporarily_unavailable").header("Retry-After", notNullValue());
        error(form().formParam("client_id", Fixtures.CLIENT_ID).formParam("client_secret", BILLING_KEY), "/ims/token/v3",
                503, "temporarily_unavailable").header("Retry-After", notNullValue());
    }

    @Test
    void identityProviderRefusingTheBrokersClientIsTemporarilyUnavailableNotTheCallersFault() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.invalidClient()));
        error(clientCredentials().header("Authorization", basic("adobe-admin", BILLING_KEY)), "/oauth2/token", 503,
                "temporarily_unavailable").header("Retry-After", notNullValue());
    }

    @Test
    void oversizedFormIsRefusedByTheHttpLayerBeforeAnyCall() {
        given().contentType(FORM).body("grant_type=client_credentials&client_id=adobe-admin&client_secret=" + BILLING_KEY
                + "&scope=" + "a".repeat(20_000)).when().post("/oauth2/token").then().statusCode(413);
        given().contentType(FORM).body("client_id=adobe-admin&client_secret=" + BILLING_KEY + "&pad=" + "a".repeat(20_000))
                .when().post("/ims/token/v3").then().statusCode(413);
        assertThat(Ims.tokenRequests(ims)).isZero();
        ok(clientCredentials().header("Authorization", basic("adobe-admin", BILLING_KEY)), "/oauth2/token");
    }
}
