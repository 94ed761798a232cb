package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

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
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Retries, timeouts, Retry-After, the circuit breaker and client_secret_next, against IMS-shaped failures. */
@QuarkusTest
@TestProfile(UpstreamResilienceTest.ShortFaultTolerance.class)
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class UpstreamResilienceTest extends RedisBrokerTest {

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

    private static io.restassured.response.ValidatableResponse get() {
        return as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens").then();
    }
}
