package dev.tokenbroker.rejection;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
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
 * A token minted within {@code min-mint-interval} (60 s here, as in production) is not replaced: the answer is that
 * token, and the {@code Token-Broker-Rejected} header says {@code too_fresh}.
 */
@QuarkusTest
@TestProfile(RejectedTokenLimitsTest.RealMintInterval.class)
@WithTestResource(ImsResource.class)
class RejectedTokenLimitsTest extends BrokerTest {

    public static class RealMintInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tokenbroker.tokens.min-mint-interval", "60s");
        }
    }

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    MeterRegistry meters;

    @Test
    void aTokenMintedWithinTheMinMintIntervalIsKeptAndTheAnswerSaysSo() {
        String fresh = as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");

        for (int i = 0; i < 3; i++) {
            as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("rejected", Fixtures.sha256(fresh))
                    .when().get("/tokens").then().statusCode(200)
                    .header(RejectedTokenCases.HEADER, "too_fresh").body("access_token", equalTo(fresh));
        }

        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        assertThat(meters.counter("tokenbroker.token.rejections", "credential", Fixtures.CREDENTIAL, "result", "too_fresh")
                .count()).isEqualTo(3);
        assertThat(logs.messages("tokenbroker.audit")).filteredOn(line -> line.contains("rejected=too_fresh")).hasSize(3);
    }
}
