package dev.tokenbroker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisResource;
import dev.tokenbroker.upstream.UpstreamTokenClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A broker that has served nothing yet exports every counter whose label set is known at 0, so that dashboards
 * and {@code increase()} alerts see 0, not "no data". Its own profile gives it a fresh start: no other test's
 * requests went to it, and this test sends none but the scrape.
 */
@QuarkusTest
@TestProfile(CountersAtZeroTest.FreshBroker.class)
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class CountersAtZeroTest {

    /** No settings of its own: only a separate start. */
    public static class FreshBroker implements QuarkusTestProfile {}

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Test
    void everyCounterWithAKnownLabelSetIsExportedAtZeroBeforeAnyTraffic() {
        // Per-credential counters are registered from a worker a moment after start (CredentialMeters). The first
        // scrape of a fresh broker on a loaded CI machine has taken over the default ten seconds on its own.
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            Scrape perCredential = Scrape.parse(RestAssured.given().get(metrics).asString());
            for (String result : UpstreamTokenClient.RESULTS) {
                assertZero(perCredential, "tokenbroker_upstream_calls_total", Map.of("credential", Fixtures.CREDENTIAL, "result", result));
            }
            assertZero(perCredential, "tokenbroker_mint_budget_exhausted_total", Map.of("credential", Fixtures.CREDENTIAL));
            for (String result : List.of("replaced", "not_current", "too_fresh", "budget_exhausted")) {
                assertZero(perCredential, "tokenbroker_token_rejections_total", Map.of("credential", Fixtures.CREDENTIAL, "result", result));
            }
        });
        Scrape scrape = Scrape.parse(RestAssured.given().get(metrics).asString());
        for (String operation : List.of("get", "put", "drop", "lock", "unlock", "publish", "subscribe")) {
            assertZero(scrape, "tokenbroker_redis_errors_total", Map.of("operation", operation));
        }
        for (String result : List.of("verified", "remembered", "service_accounts_off", "malformed", "algorithm",
                "unknown_signing_key", "bad_signature", "issuer", "audience", "expired", "not_yet_valid", "lifetime",
                "subject", "unknown_service_account")) {
            assertZero(scrape, "tokenbroker_service_account_tokens_total", Map.of("result", result));
        }
        for (String result : List.of("success", "failure")) {
            assertZero(scrape, "tokenbroker_refreshes_total", Map.of("result", result));
        }
        for (String trigger : List.of("startup", "schedule", "unknown_key")) {
            assertZero(scrape, "tokenbroker_jwks_reads_total", Map.of("trigger", trigger, "result", "error"));
        }
        for (String trigger : List.of("startup", "schedule")) {
            assertZero(scrape, "tokenbroker_credentials_reloads_total", Map.of("trigger", trigger, "result", "invalid"));
            assertZero(scrape, "tokenbroker_credentials_reloads_total", Map.of("trigger", trigger, "result", "error"));
        }
        assertZero(scrape, "tokenbroker_callers_reloads_total", Map.of("result", "invalid"));
        // The first reads succeeded: counted once each, not missing.
        assertThat(scrape.value("tokenbroker_credentials_reloads_total", Map.of("trigger", "startup", "result", "success"))).hasValueSatisfying(
                v -> assertThat(v).isPositive());
        assertThat(scrape.value("tokenbroker_callers_reloads_total", Map.of("result", "success"))).hasValue(1.0);
    }

    private static void assertZero(Scrape scrape, String name, Map<String, String> labels) {
        assertThat(scrape.value(name, labels)).as(name + labels).hasValue(0.0);
    }
}
