package dev.tokenbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/** Assertions on {@code GET /tokens} answers, of one process or a fleet. */
public final class Answers {

    private Answers() {}

    /**
     * Waits for every answer; each must be 200, all must carry the same token, and the identity provider must
     * have been asked exactly once for it: the single-flight promise, for one process or a fleet.
     */
    public static void allOneTokenFromOneMint(Collection<CompletableFuture<HttpResponse<String>>> answers,
            WireMockServer ims) throws Exception {
        Set<String> tokens = new TreeSet<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.get();
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            tokens.add(JsonPath.from(response.body()).getString("access_token"));
        }
        assertThat(tokens).as("distinct tokens handed out").hasSize(1);
        assertThat(Ims.tokenRequests(ims)).as("calls to the identity provider").isEqualTo(1);
    }

    /**
     * The purge promise across replicas: a token that both hold (now in {@code other}'s own tier too), purged on
     * {@code purging}, is dropped by {@code other} as well, which hears of it over pub/sub: its next answer is a new
     * token.
     */
    public static void purgeOnOneReachesTheOther(BrokerProcess purging, BrokerProcess other, String scope)
            throws Exception {
        String before = purging.token(scope);
        assertThat(other.token(scope)).isEqualTo(before);
        assertThat(purging.purge()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> !other.token(scope).equals(before));
    }
}
