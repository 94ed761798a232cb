package dev.tokenbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/** Assertions on a burst of concurrent {@code GET /tokens} answers. */
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
}
