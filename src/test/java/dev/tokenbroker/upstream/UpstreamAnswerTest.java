package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the broker believes of a token endpoint's answer: a bounded body, a bounded token, a lifetime within
 * {@code tokenbroker.upstream.max-token-lifetime}, {@code token_type} Bearer, no redirects; and which upstream
 * {@code error} it repeats. A malformed answer is a 503 that is logged with the debug id and counted, and the
 * broker goes on serving.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
class UpstreamAnswerTest extends BrokerTest {

    /** Text that only the malformed bodies hold, so that a log line or answer repeating them is seen. */
    private static final String MARKER = "BODYMARKER";
    private static final long TEN_YEARS = Duration.ofDays(3650).toSeconds();

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    MeterRegistry meters;

    static Stream<Arguments> malformedTokenAnswers() {
        return Stream.of(
                Arguments.of("a 1 MiB body", answer("eyJ" + MARKER + "x".repeat(1024 * 1024), "bearer", "86399"),
                        "body not a JSON object of at most 65536 bytes"),
                Arguments.of("expires_in 0", answer("eyJ" + MARKER, "bearer", "0"),
                        "expires_in 0 not within 1..604800 (tokenbroker.upstream.max-token-lifetime)"),
                Arguments.of("expires_in of ten years", answer("eyJ" + MARKER, "bearer", String.valueOf(TEN_YEARS)),
                        "expires_in " + TEN_YEARS + " not within 1..604800 (tokenbroker.upstream.max-token-lifetime)"),
                Arguments.of("no expires_in", "{\"access_token\":\"eyJ" + MARKER + "\",\"token_type\":\"bearer\"}",
                        "expires_in missing, and neither a JWT exp nor the credential's default_lifetime stands in"),
                Arguments.of("expires_in not a number", answer("eyJ" + MARKER, "bearer", "\"soon\""),
                        "expires_in not a whole number of seconds"),
                Arguments.of("token_type mac", answer("eyJ" + MARKER, "mac", "86399"), "token_type missing or not Bearer"),
                Arguments.of("no token_type", "{\"access_token\":\"eyJ" + MARKER + "\",\"expires_in\":86399}",
                        "token_type missing or not Bearer"),
                Arguments.of("an access_token over 16 KiB", answer("eyJ" + MARKER + "x".repeat(16 * 1024), "bearer", "86399"),
                        "access_token longer than 16384 characters"),
                Arguments.of("an HTML page", "<html>" + MARKER + "</html>", "body not a JSON object of at most 65536 bytes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTokenAnswers")
    void malformedAnswerIsUnavailableAndTheBrokerGoesOnServing(String name, String body, String problem) {
        getToken(Fixtures.CREDENTIAL).statusCode(200); // cached for the default scopes
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(imsAnswer(200).withBody(body)));
        double before = calls("invalid_response");

        Problems.get(as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL)
                        .queryParam("scope", "openid,user_management_sdk"), "/tokens", 503, "upstream_unavailable")
                .body("detail", equalTo("The identity provider cannot be reached now (invalid_response); try again later."))
                .header("Retry-After", notNullValue());

        assertThat(Ims.tokenRequests(ims)).as("a malformed answer is not retried").isEqualTo(1);
        assertThat(calls("invalid_response") - before).isEqualTo(1);
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenResponseReader"))
                .anySatisfy(line -> assertThat(line).matches("event=upstream_invalid_response credential=adobe-admin host=localhost:" + ims.port()
                        + " status=200 problem=\"\\Q" + problem + "\\E\" debug_id=debug-[A-Za-z0-9]{8}"));
        assertThat(logs.lines()).noneMatch(line -> line.contains(MARKER));
        getToken(Fixtures.CREDENTIAL).statusCode(200); // still served from the cache
        Ims.issuesTokens(ims, 86399);
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "openid,user_management_sdk")
                .when().get("/tokens").then().statusCode(200);
    }

    @Test
    void bodyIsReadOnlyUpToItsLimit() {
        ims.resetAll();
        // 1 MiB trickling in for 30 s, well past the attempt's 5 s timeout: only reading stopped at 64 KiB answers in time.
        ims.stubFor(Ims.tokenRequest().willReturn(imsAnswer(200)
                .withBody(answer("eyJ" + "x".repeat(1024 * 1024), "bearer", "86399"))
                .withChunkedDribbleDelay(128, 30_000)));
        Instant start = Instant.now();

        getToken(Fixtures.CREDENTIAL).statusCode(503)
                .body("detail", equalTo("The identity provider cannot be reached now (invalid_response); try again later."));

        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void tokenTypeBearerIsAcceptedInAnyCase() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(imsAnswer(200).withBody(answer("eyJabc", "BEARER", "86399"))));

        getToken(Fixtures.CREDENTIAL).statusCode(200).body("token_type", equalTo("Bearer"));
    }

    @Test
    void expiresInUpToTheMaximumLifetimeIsAccepted() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(imsAnswer(200).withBody(answer("eyJabc", "bearer", "604800"))));

        getToken(Fixtures.CREDENTIAL).statusCode(200).body("expires_in", allOf(greaterThan(604790), lessThanOrEqualTo(604800)));
    }

    @Test
    void redirectFromTheTokenEndpointIsNotFollowed() {
        ims.resetAll();
        String elsewhere = "/elsewhere/token";
        ims.stubFor(Ims.tokenRequest().willReturn(aResponse().withStatus(307)
                .withHeader("Location", "http://localhost:" + ims.port() + elsewhere)));
        ims.stubFor(post(urlPathEqualTo(elsewhere)).willReturn(Ims.token(86399)));
        double before = calls("invalid_response");

        getToken(Fixtures.CREDENTIAL).statusCode(503).body("code", equalTo("upstream_unavailable"))
                .body("detail", equalTo("The identity provider cannot be reached now (invalid_response); try again later."));

        ims.verify(0, postRequestedFor(urlPathEqualTo(elsewhere)));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        assertThat(calls("invalid_response") - before).isEqualTo(1);
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenResponseReader"))
                .anySatisfy(line -> assertThat(line).startsWith("event=upstream_invalid_response credential=adobe-admin host=localhost:" + ims.port()
                        + " status=307 problem=\"redirect, not followed\""));
    }

    static Stream<Arguments> upstreamErrors() {
        return Stream.of(
                Arguments.of(400, "invalid_grant", "invalid_grant"),
                Arguments.of(401, "unauthorized_client", "unauthorized_client"),
                Arguments.of(403, "account_" + MARKER + "_locked", "http_403"),
                Arguments.of(400, "<b>" + MARKER + "</b>", "http_400"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("upstreamErrors")
    void upstreamErrorIsRepeatedOnlyWhenItIsAnRfc6749Code(int status, String error, String shown) {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(status, error, "refused")));

        getToken(Fixtures.CREDENTIAL).statusCode(502).body("code", equalTo("upstream_rejected"))
                .body("detail", equalTo("The identity provider rejected credential adobe-admin (" + shown + ")."));

        assertThat(logs.messages("dev.tokenbroker.upstream.TokenResponseReader"))
                .anySatisfy(line -> assertThat(line).startsWith("event=upstream_rejected credential=adobe-admin host=localhost:" + ims.port() + " status="
                        + status + " error=" + shown + " error_description=\"refused\""));
        assertThat(logs.lines()).noneMatch(line -> line.contains(MARKER));
    }

    private static String answer(String accessToken, String tokenType, String expiresIn) {
        return "{\"access_token\":\"" + accessToken + "\",\"token_type\":\"" + tokenType + "\",\"expires_in\":" + expiresIn + "}";
    }

    /** An IMS-shaped answer without a body yet: JSON content type and an {@code X-Debug-Id}. */
    private static ResponseDefinitionBuilder imsAnswer(int status) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json;charset=UTF-8")
                .withHeader("X-Debug-Id", "debug-{{randomValue length=8 type='ALPHANUMERIC'}}");
    }

    private static ValidatableResponse getToken(String credential) {
        return as(OPS_KEY).queryParam("credential", credential).when().get("/tokens").then();
    }

    private double calls(String result) {
        return meters.counter("tokenbroker.upstream.calls", "credential", Fixtures.CREDENTIAL, "result", result).count();
    }
}
