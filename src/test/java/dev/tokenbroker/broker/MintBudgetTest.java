package dev.tokenbroker.broker;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An abusive caller cannot turn the broker against the identity provider: asking for ever more scope sets spends the
 * credential's mint budget and then gets 429, while cached tokens and other credentials are served as before.
 */
@QuarkusTest
@TestProfile(MintBudgetTest.SmallBudget.class)
@WithTestResource(ImsResource.class)
class MintBudgetTest extends BrokerTest {

    private static final String ABUSED = "conformance"; // the ops caller holds "*" on it
    private static final List<String> SCOPES = List.of("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8");

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tokenbroker.tokens.mint-budget.burst", "5", "tokenbroker.tokens.mint-budget.per-minute", "1",
                    "tokenbroker.tokens.min-mint-interval", "60s");
        }
    }

    @Inject
    MeterRegistry meters;

    @AfterEach
    void removeAbusedCredential() {
        secrets.remove(ABUSED);
        await().until(() -> credentials.get(ABUSED).isEmpty());
    }

    @Test
    void twoHundredScopeSubsetsMintOnlyTheBudgetThenGet429WhileCachedTokensAndOtherCredentialsAreServed() {
        Map<String, String> files = new java.util.LinkedHashMap<>(Fixtures.adobeAdmin(tokenUrl()));
        files.put("scopes", String.join(",", SCOPES));
        files.put("default_scopes", "s1");
        secrets.write(ABUSED, files);
        await().until(() -> credentials.get(ABUSED).isPresent());
        String first = token(ABUSED, "s1");

        List<Integer> statuses = new ArrayList<>();
        for (String subset : subsets().subList(1, 201)) {
            var response = as(OPS_KEY).queryParam("credential", ABUSED).queryParam("scope", subset).when().get("/tokens");
            statuses.add(response.statusCode());
            if (response.statusCode() == 429) {
                response.then().body("code", equalTo("mint_budget_exhausted"))
                        .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-9][0-9]*"));
            }
        }
        int minted = Ims.tokenRequests(ims);
        // A burst of 5, refilled at 1 a minute: the first token, at most 4 more, and one more if a minute passed.
        assertThat(minted).isBetween(5, 6);
        assertThat(statuses).filteredOn(s -> s == 200).hasSize(minted - 1);
        assertThat(statuses).filteredOn(s -> s == 429).hasSize(200 - (minted - 1));
        Problems.get(as(OPS_KEY).queryParam("credential", ABUSED).queryParam("scope", "s2 s3 s4 s5 s6 s7 s8"),
                "/tokens", 429, "mint_budget_exhausted");
        assertThat(meters.counter("tokenbroker.mint.budget.exhausted", "credential", ABUSED).count()).isGreaterThan(190);

        // A cached token is still served; another credential mints from a budget of its own.
        assertThat(token(ABUSED, "s1")).isEqualTo(first);
        token(Fixtures.CREDENTIAL, "openid");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(minted + 1);
    }

    /** A token minted less than min-mint-interval ago meets any min_ttl up to the lifetime: asking for more mints once. */
    @Test
    void minTtlOfTheWholeLifetimeMintsOnce() {
        String first = as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("min_ttl", "86399")
                .when().get("/tokens").then().statusCode(200).extract().path("access_token");
        IntStream.range(0, 49).forEach(i -> as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL)
                .queryParam("min_ttl", "86399").when().get("/tokens")
                .then().statusCode(200).body("access_token", equalTo(first)));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    /** Every non-empty subset of the eight scopes, as a space-separated scope parameter, smallest first. */
    private static List<String> subsets() {
        List<String> all = new ArrayList<>();
        for (int bits = 1; bits < 1 << SCOPES.size(); bits++) {
            List<String> subset = new ArrayList<>();
            for (int i = 0; i < SCOPES.size(); i++) {
                if ((bits & 1 << i) != 0) {
                    subset.add(SCOPES.get(i));
                }
            }
            all.add(String.join(" ", subset));
        }
        return all;
    }

    private static String token(String credential, String scope) {
        return as(OPS_KEY).queryParam("credential", credential).queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
