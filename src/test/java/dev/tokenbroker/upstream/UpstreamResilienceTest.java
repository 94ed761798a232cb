package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries, timeouts, Retry-After, the circuit breaker and client_secret_next, against IMS-shaped failures. */
@QuarkusTest
@TestProfile(UpstreamResilienceTest.ShortFaultTolerance.class)
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class UpstreamResilienceTest extends RedisBrokerTest {

    /** A credential granted to the ops caller ("conformance"), here with its own client id on the same IMS. */
    private static final String OTHER_CREDENTIAL = "conformance";
    private static final String OTHER_CLIENT_ID = "9a8b7c6d5e4f30211203f4e5d6c7b8a9";

    /** Fault-tolerance settings shortened so that a test waits milliseconds, not seconds. */
    public static class ShortFaultTolerance implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tokenbroker.upstream.timeout", "1s",
                    "tokenbroker.upstream.max-retries", "2",
                    "tokenbroker.upstream.retry-delay", "0.02s",
                    "tokenbroker.upstream.max-retry-delay", "1s",
                    "tokenbroker.upstream.retry-after", "7s",
                    "tokenbroker.upstream.circuit-breaker.request-volume-threshold", "4",
                    "tokenbroker.upstream.circuit-breaker.failure-ratio", "0.75",
                    "tokenbroker.upstream.circuit-breaker.delay", "60s");
        }
    }

    @Test
    void serverErrorIsRetriedAndThenServed() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(Ims.error(500, "server_error", "internal error")).willSetStateTo("recovered"));
        ims.stubFor(Ims.tokenRequest().inScenario("flaky").whenScenarioStateIs("recovered")
                .willReturn(Ims.token(86399)));
        get().statusCode(200);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    @Test
    void networkFailureIsRetriedAndThenServed() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().inScenario("reset").whenScenarioStateIs(STARTED)
                .willReturn(WireMock.aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER))
                .willSetStateTo("up"));
        ims.stubFor(Ims.tokenRequest().inScenario("reset").whenScenarioStateIs("up").willReturn(Ims.token(86399)));
        get().statusCode(200);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    @Test
    void invalidClientIsNotRetried() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.invalidClient()));
        get().statusCode(502).body("code", equalTo("upstream_rejected"));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void invalidScopeIsNotRetried() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(400, "invalid_scope", "invalid_scope")));
        get().statusCode(502).body("code", equalTo("upstream_rejected"));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void slowIdentityProviderTimesOutAsUnavailableWithRetryAfter() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(3000)));
        get().statusCode(503).body("code", equalTo("upstream_unavailable")).header("Retry-After", "7");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(3); // one attempt and two retries
    }

    @Test
    void throttlingHonoursRetryAfterAndIsThenServed() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().inScenario("throttled").whenScenarioStateIs(STARTED)
                .willReturn(Ims.error(429, "too_many_requests", "slow down").withHeader("Retry-After", "1"))
                .willSetStateTo("open"));
        ims.stubFor(Ims.tokenRequest().inScenario("throttled").whenScenarioStateIs("open").willReturn(Ims.token(86399)));
        get().statusCode(200);
        var requests = ims.findAll(Ims.tokenRequested());
        assertThat(requests).hasSize(2);
        long waitedMillis = requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime();
        assertThat(waitedMillis).as("the retry waited for Retry-After").isGreaterThanOrEqualTo(900);
    }

    @Test
    void persistentThrottlingIsUnavailableWithTheUpstreamRetryAfter() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(429, "too_many_requests", "slow down").withHeader("Retry-After", "0")));
        get().statusCode(503).body("code", equalTo("upstream_unavailable")).header("Retry-After", notNullValue());
        assertThat(Ims.tokenRequests(ims)).isEqualTo(3);
    }

    @Test
    void circuitOpensAfterRepeatedFailuresAndStopsCallingUpstream() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(502, "bad_gateway", "bad gateway")));
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll(); // a window without the warm-up
        get().statusCode(503); // three attempts
        get().statusCode(503); // the fourth attempt opens the breaker; the retry after it is refused at once
        int callsWhenOpen = Ims.tokenRequests(ims);
        get().statusCode(503).body("code", equalTo("upstream_unavailable")).header("Retry-After", "60");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(callsWhenOpen);
        assertThat(callsWhenOpen).isEqualTo(4);
    }

    @Test
    void clientSecretNextIsUsedWhenTheFirstSecretIsRefused() {
        secrets.update(Fixtures.CREDENTIAL, "client_secret_next", Fixtures.CLIENT_SECRET_NEXT);
        secrets.update(Fixtures.CREDENTIAL, "client_secret", "p8e-TESTSECRET-revoked-00000000");
        org.awaitility.Awaitility.await().until(() -> credentials.get(Fixtures.CREDENTIAL)
                .flatMap(c -> c.clientSecretNext()).isPresent());
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().atPriority(10).willReturn(Ims.invalidClient()));
        ims.stubFor(Ims.tokenRequest().atPriority(1)
                .withFormParam("client_secret", WireMock.equalTo(Fixtures.CLIENT_SECRET_NEXT)).willReturn(Ims.token(86399)));
        get().statusCode(200);
        ims.verify(1, Ims.tokenRequested().withFormParam("client_secret", WireMock.equalTo("p8e-TESTSECRET-revoked-00000000")));
        ims.verify(1, Ims.tokenRequested().withFormParam("client_secret", WireMock.equalTo(Fixtures.CLIENT_SECRET_NEXT)));
    }

    @Test
    void throttlingOfOneClientIdDoesNotOpenTheBreakerOtherClientsOfTheHostShare() {
        firstClientGetsAndSecondIsServed(Ims.error(429, "too_many_requests", "slow down").withHeader("Retry-After", "0"));

        get().statusCode(503);
        get().statusCode(503); // six 429s in all: more than the breaker's window, every one of them a "failure" before
        assertThat(requestsOf(Fixtures.CLIENT_ID)).isEqualTo(6);

        get(OTHER_CREDENTIAL).statusCode(200);
        assertThat(breakerOfIms()).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void retryAfterHoldsBackThatClientIdOnlyAndThenLetsItThrough() {
        firstClientGetsAndSecondIsServed(Ims.error(429, "too_many_requests", "slow down").withHeader("Retry-After", "3"));

        // A wait longer than max-retry-delay (1s here) is not waited out within the mint.
        get().statusCode(503).body("code", equalTo("upstream_unavailable")).header("Retry-After", "3");
        get().statusCode(503).body("detail", equalTo("The identity provider cannot be reached now (rate_limited); try again later."))
                .header("Retry-After", org.hamcrest.Matchers.oneOf("1", "2", "3"));
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "openid,user_management_sdk")
                .when().get("/tokens").then().statusCode(503); // another scope set, the same client id
        assertThat(requestsOf(Fixtures.CLIENT_ID)).as("held back without calling the provider").isEqualTo(1);

        get(OTHER_CREDENTIAL).statusCode(200);

        Ims.issuesTokens(ims, 86399);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> get().extract().statusCode() == 200);
        assertThat(requestsOf(Fixtures.CLIENT_ID)).isEqualTo(2);
    }

    @Test
    void refusedSecretsOfOneClientIdDoNotOpenTheBreaker() {
        firstClientGetsAndSecondIsServed(Ims.invalidClient());

        for (int i = 0; i < 6; i++) {
            get().statusCode(502);
        }

        get(OTHER_CREDENTIAL).statusCode(200);
        assertThat(breakerOfIms()).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void serverErrorsOpenTheBreakerForEveryClientOfTheHost() {
        mountSecondClientOnTheSameHost();
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(500, "server_error", "internal error")));
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll();
        get().statusCode(503);
        get().statusCode(503);
        int callsWhenOpen = Ims.tokenRequests(ims);

        get(OTHER_CREDENTIAL).statusCode(503).header("Retry-After", "60");

        assertThat(Ims.tokenRequests(ims)).isEqualTo(callsWhenOpen);
        assertThat(breakerOfIms()).isEqualTo(CircuitBreakerState.OPEN);
    }

    /**
     * IMS answers the fixture's client id with {@code answer} and a second credential, with its own client id on the
     * same host, with tokens; the breaker starts with an empty window.
     */
    private void firstClientGetsAndSecondIsServed(ResponseDefinitionBuilder answer) {
        mountSecondClientOnTheSameHost();
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().withFormParam("client_id", WireMock.equalTo(Fixtures.CLIENT_ID)).willReturn(answer));
        ims.stubFor(Ims.tokenRequest().withFormParam("client_id", WireMock.equalTo(OTHER_CLIENT_ID)).willReturn(Ims.token(86399)));
        io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().resetAll();
    }

    /** A second credential with its own client id, minted at the same IMS host. */
    private void mountSecondClientOnTheSameHost() {
        Map<String, String> files = new java.util.LinkedHashMap<>(Fixtures.adobeAdmin(tokenUrl()));
        files.put("client_id", OTHER_CLIENT_ID + "\n");
        secrets.write(OTHER_CREDENTIAL, files);
        org.awaitility.Awaitility.await().until(() -> credentials.get(OTHER_CREDENTIAL).isPresent());
    }

    @AfterEach
    void removeSecondClient() {
        if (credentials.get(OTHER_CREDENTIAL).isPresent()) {
            secrets.remove(OTHER_CREDENTIAL);
            org.awaitility.Awaitility.await().until(() -> credentials.get(OTHER_CREDENTIAL).isEmpty());
        }
    }

    private CircuitBreakerState breakerOfIms() {
        return io.smallrye.faulttolerance.api.CircuitBreakerMaintenance.get().currentState("upstream:localhost:" + ims.port());
    }

    private int requestsOf(String clientId) {
        return ims.countRequestsMatching(Ims.tokenRequested().withRequestBody(WireMock.containing("client_id=" + clientId)).build()).getCount();
    }

    private static io.restassured.response.ValidatableResponse get() {
        return get(Fixtures.CREDENTIAL);
    }

    private static io.restassured.response.ValidatableResponse get(String credential) {
        return as(OPS_KEY).queryParam("credential", credential).when().get("/tokens").then();
    }
}
