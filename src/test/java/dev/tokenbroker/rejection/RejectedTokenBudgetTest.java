package dev.tokenbroker.rejection;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.matchesPattern;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replacements are paid from the mint budget: once it is spent a report is a 429 {@code mint_budget_exhausted}, the
 * reported token stays cached, and normal requests are still served it.
 */
@QuarkusTest
@TestProfile(RejectedTokenBudgetTest.SmallBudget.class)
@WithTestResource(ImsResource.class)
class RejectedTokenBudgetTest extends BrokerTest {

    /** Four mints: BrokerTest's warm-up request, the test's first token and two replacements. */
    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tokenbroker.tokens.mint-budget.burst", "4", "tokenbroker.tokens.mint-budget.per-minute", "1",
                    "tokenbroker.tokens.min-mint-interval", "0s");
        }
    }

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    MeterRegistry meters;

    @Test
    void reportsBeyondTheBudgetGet429AndTheCachedTokenIsStillServed() {
        String token = token();
        for (int i = 0; i < 2; i++) {
            String refused = token;
            token = report(refused).then().statusCode(200).header(RejectedTokenCases.HEADER, "replaced")
                    .extract().path("access_token");
            assertThat(token).isNotEqualTo(refused);
        }
        int minted = Ims.tokenRequests(ims);
        assertThat(minted).isEqualTo(3);

        Problems.get(as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("rejected", Fixtures.sha256(token)),
                "/tokens", 429, "mint_budget_exhausted").header("Retry-After", matchesPattern("[1-9][0-9]*"));

        assertThat(token()).isEqualTo(token);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(minted);
        assertThat(meters.counter("tokenbroker.token.rejections", "credential", Fixtures.CREDENTIAL, "result",
                "budget_exhausted").count()).isEqualTo(1);
        assertThat(logs.messages("tokenbroker.audit")).anyMatch(line -> line.contains("status=429")
                && line.contains("rejected=budget_exhausted"));
    }

    private static String token() {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }

    private static io.restassured.response.Response report(String token) {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("rejected", Fixtures.sha256(token))
                .when().get("/tokens");
    }
}
