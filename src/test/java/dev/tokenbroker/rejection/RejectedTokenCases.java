package dev.tokenbroker.rejection;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.Problems;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code rejected} on {@code GET /tokens}, one replica ({@link RejectedTokenTest}: its in-process cache,
 * {@link RejectedTokenRedisTest}: with Redis): a reported current token is replaced by one mint, a stale report is answered with the current
 * token and mints nothing, concurrent reports of one token mint once, and a malformed report is a 400. The test
 * profile's {@code min-mint-interval} is 0s, so no token is too fresh to replace here ({@link RejectedTokenLimitsTest}).
 */
abstract class RejectedTokenCases extends BrokerTest {

    static final String HEADER = "Token-Broker-Rejected";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    MeterRegistry meters;

    @Test
    void aReportedCurrentTokenIsReplacedByOneMintAndServedToEveryone() {
        String refused = token();
        double replacedBefore = rejections("replaced");

        String replacement = report(refused).header(HEADER, "replaced").extract().path("access_token");

        assertThat(replacement).isNotEqualTo(refused);
        assertThat(token()).isEqualTo(replacement);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertThat(rejections("replaced")).isEqualTo(replacedBefore + 1);
        assertThat(logs.messages("tokenbroker.audit")).anyMatch(line -> line.contains("rejected=replaced")
                && line.contains("rejected_sha256=" + Fixtures.sha256(refused).substring(0, 12))
                && line.contains("rejected_fingerprint=") && !line.contains("rejected_fingerprint=-"));
        assertNoTokenOrKeyLogged(refused, replacement);
    }

    @Test
    void aStaleReportIsAnsweredWithTheCurrentTokenAndMintsNothing() {
        String refused = token();
        String replacement = report(refused).extract().path("access_token");
        double notCurrentBefore = rejections("not_current");

        report(refused).header(HEADER, "not_current").body("access_token", equalTo(replacement));
        // A digest in capitals names the same token; one of no token the broker ever held changes nothing either.
        report(Fixtures.sha256(refused).toUpperCase(Locale.ROOT), true).header(HEADER, "not_current")
                .body("access_token", equalTo(replacement));
        report(Fixtures.sha256("never-handed-out"), true).header(HEADER, "not_current")
                .body("access_token", equalTo(replacement));

        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertThat(rejections("not_current")).isEqualTo(notCurrentBefore + 3);
        assertNoTokenOrKeyLogged(refused, replacement);
    }

    @Test
    void twentyConcurrentReportsOfOneTokenMintOnce() throws Exception {
        String refused = token();
        ims.stubFor(Ims.tokenRequest().atPriority(1).willReturn(Ims.token(86399).withFixedDelay(300)));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> report(refused).extract().<String>path("access_token"), pool));
            }
            Set<String> tokens = new TreeSet<>();
            for (CompletableFuture<String> answer : answers) {
                tokens.add(answer.get());
            }
            assertThat(tokens).hasSize(1).doesNotContain(refused);
        } finally {
            pool.shutdown();
        }
        assertThat(Ims.tokenRequests(ims)).as("the first token and one replacement").isEqualTo(2);
    }

    @Test
    void aMalformedReportIsAnInvalidRequest() {
        String current = token();
        for (String malformed : List.of("abc", Fixtures.sha256(current).substring(1) + "g", Fixtures.sha256(current) + "0",
                current)) {
            Problems.get(as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("rejected", malformed),
                    "/tokens", 400, "invalid_request");
        }
        Problems.get(as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL)
                .queryParam("rejected", Fixtures.sha256(current), Fixtures.sha256(current)), "/tokens", 400, "invalid_request");
        assertThat(token()).isEqualTo(current);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        assertNoTokenOrKeyLogged(current);
    }

    @Test
    void aReportNeedsTheGrantANormalRequestNeeds() {
        String current = token();
        Problems.get(as(Fixtures.STRANGER_KEY).queryParam("credential", Fixtures.CREDENTIAL)
                .queryParam("rejected", Fixtures.sha256(current)), "/tokens", 403, "forbidden");
        Problems.get(io.restassured.RestAssured.given().queryParam("credential", Fixtures.CREDENTIAL)
                .queryParam("rejected", Fixtures.sha256(current)), "/tokens", 401, "unauthenticated");
        assertThat(token()).isEqualTo(current);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void aNormalAnswerCarriesNoRejectedHeader() {
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens")
                .then().statusCode(200).header(HEADER, org.hamcrest.Matchers.nullValue())
                .body("access_token", not(equalTo("")));
    }

    String token() {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }

    static io.restassured.response.ValidatableResponse report(String token) {
        return report(Fixtures.sha256(token), true);
    }

    static io.restassured.response.ValidatableResponse report(String digest, boolean ok) {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("rejected", digest)
                .when().get("/tokens").then().statusCode(ok ? 200 : 429).header("Cache-Control", "no-store");
    }

    double rejections(String result) {
        return meters.counter("tokenbroker.token.rejections", "credential", Fixtures.CREDENTIAL, "result", result).count();
    }

    /** No line that this test's requests made holds a whole token or a caller key. */
    void assertNoTokenOrKeyLogged(String... tokens) {
        List<String> lines = logs.lines();
        assertThat(lines).as("log lines were captured").anyMatch(line -> line.startsWith("tokenbroker.audit "));
        List<String> forbidden = new ArrayList<>(List.of(tokens));
        forbidden.addAll(List.of(OPS_KEY, Fixtures.BILLING_KEY, Fixtures.CLIENT_SECRET));
        for (String secret : forbidden) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }
}
