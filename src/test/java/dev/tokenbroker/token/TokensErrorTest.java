package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of the error table in docs/api.md: status, code, and application/problem+json. */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class TokensErrorTest extends RedisBrokerTest {

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("no credential", "scope=openid"),
                Arguments.of("empty credential", "credential="),
                Arguments.of("credential with capitals", "credential=Adobe-Admin"),
                Arguments.of("credential with a dot-dot path", "credential=..%2Fadobe-admin"),
                Arguments.of("credential too long", "credential=" + "a".repeat(64)),
                Arguments.of("credential twice", "credential=adobe-admin&credential=adobe-admin"),
                Arguments.of("min_ttl not a number", "credential=adobe-admin&min_ttl=soon"),
                Arguments.of("min_ttl negative", "credential=adobe-admin&min_ttl=-5"),
                Arguments.of("min_ttl huge", "credential=adobe-admin&min_ttl=99999999999999"),
                Arguments.of("scope with a control character", "credential=adobe-admin&scope=open%01id"),
                Arguments.of("scope with a quote", "credential=adobe-admin&scope=open%22id"),
                Arguments.of("scope with non-ASCII", "credential=adobe-admin&scope=%C3%A9"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void malformedParametersAreInvalidRequest(String name, String query) {
        problem(as(OPS_KEY).urlEncodingEnabled(false), "/tokens?" + query, 400, "invalid_request");
    }

    @Test
    void minTtlLargerThanTokenLifetimeIsInvalidRequest() {
        problem(as(OPS_KEY), "/tokens?credential=adobe-admin&min_ttl=86400", 400, "invalid_request")
                .body("detail", containsString("86399"));
    }

    @Test
    void scopeTheCredentialLacksIsInvalidScope() {
        problem(as(OPS_KEY), "/tokens?credential=adobe-admin&scope=openid,creative_sdk", 400, "invalid_scope")
                .body("detail", containsString("creative_sdk"));
    }

    @Test
    void missingOrUnknownCallerIsUnauthenticated() {
        problem(given(), "/tokens?credential=adobe-admin", 401, "unauthenticated")
                .header("WWW-Authenticate", containsString("Bearer"));
        problem(as("not-a-listed-key"), "/tokens?credential=adobe-admin", 401, "unauthenticated")
                .header("WWW-Authenticate", containsString("Bearer"));
        problem(given().header("Authorization", "Basic " + BILLING_KEY), "/tokens?credential=adobe-admin", 401,
                "unauthenticated");
        problem(given().header("Authorization", "Bearer two words"), "/tokens?credential=adobe-admin", 401,
                "unauthenticated");
    }

    @Test
    void unauthenticatedComesBeforeParameterChecks() {
        problem(given(), "/tokens", 401, "unauthenticated");
    }

    @Test
    void callerWithoutGrantIsForbidden() {
        problem(as(STRANGER_KEY), "/tokens?credential=adobe-admin", 403, "forbidden");
    }

    @Test
    void credentialThatDoesNotExistIsForbiddenToCallersWithoutAGrant() {
        problem(as(STRANGER_KEY), "/tokens?credential=does-not-exist", 403, "forbidden");
        problem(as(BILLING_KEY), "/tokens?credential=does-not-exist", 403, "forbidden");
    }

    @Test
    void scopeOutsideTheGrantIsForbidden() {
        problem(as(BILLING_KEY), "/tokens?credential=adobe-admin&scope=openid,read_organizations", 403, "forbidden")
                .body("detail", containsString("read_organizations"))
                .body("detail", not(containsString("openid")));
    }

    @Test
    void grantForACredentialThatIsNotLoadedIsUnknownCredential() {
        problem(as(BILLING_KEY), "/tokens?credential=ghost", 404, "unknown_credential");
    }

    @Test
    void identityProviderRefusalIsUpstreamRejected() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.invalidClient()));
        problem(as(OPS_KEY), "/tokens?credential=adobe-admin", 502, "upstream_rejected");
    }

    @Test
    void identityProviderOutageIsUpstreamUnavailableWithRetryAfter() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(503, "server_error", "service unavailable")));
        problem(as(OPS_KEY), "/tokens?credential=adobe-admin", 503, "upstream_unavailable")
                .header("Retry-After", notNullValue());
    }

    @Test
    void unknownPathsAndMethodsAreProblemsToo() {
        problem(as(OPS_KEY), "/nothing-here", 404, "not_found");
        as(OPS_KEY).when().delete("/tokens?credential=adobe-admin")
                .then().statusCode(405).contentType("application/problem+json").body("code", equalTo("method_not_allowed"));
    }

    static ValidatableResponse problem(RequestSpecification request, String path, int status, String code) {
        return Problems.get(request, path, status, code);
    }
}
