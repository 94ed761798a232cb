package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import dev.tokenbroker.testing.LogCapture;
import java.time.Instant;

/** Past two thirds of its life a token is refreshed in the background, once, while callers keep getting it. */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class RefreshAheadTest extends RedisBrokerTest {

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    /**
     * The refresh lands before the first token expires, and no request waits for it: every answer but the first
     * comes from a cache (an answer that joined the refresh would be audited tier=upstream).
     */
    @Test
    void tokenPastItsRefreshPointIsRefreshedInTheBackgroundWhileTheCurrentOneIsServed() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(8).withFixedDelay(1000)));
        logs.clear();
        Instant asked = Instant.now();
        String first = token();
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);

        // Until the refresh lands, every answer is the current token, at once.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String served = token();
            return !served.equals(first);
        });
        assertThat(Instant.now()).as("the refreshed token arrived before the first expired")
                .isBefore(asked.plus(Duration.ofSeconds(8)));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertThat(logs.messages("tokenbroker.audit").get(0)).contains(" tier=upstream ");
        List<String> audit = logs.messages("tokenbroker.audit");
        assertThat(audit).hasSizeGreaterThan(2);
        assertThat(audit.subList(1, audit.size())).allSatisfy(line -> assertThat(line).containsAnyOf(" tier=memory ", " tier=redis "));
    }

    @Test
    void failedRefreshKeepsServingTheCachedToken() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(4)));
        String first = token();
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(503, "server_error", "down")));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> token().equals(first) && Ims.tokenRequests(ims) > 0);
    }

    private static String token() {
        return as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "0").when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
