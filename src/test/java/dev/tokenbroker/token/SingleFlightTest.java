package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class SingleFlightTest extends RedisBrokerTest {

    @TestHTTPResource("/tokens?credential=adobe-admin&scope=openid")
    URI tokens;

    @Test
    void fiftyConcurrentRequestsForOneMissingTokenMakeOneUpstreamCall() throws Exception {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(300)));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(tokens).header("Authorization", "Bearer " + OPS_KEY)
                .timeout(Duration.ofSeconds(30)).build();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return client.send(request, HttpResponse.BodyHandlers.ofString());
                }));
            }
            start.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> answer : answers) {
                responses.add(answer.get());
            }
            assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
            Set<String> tokens = responses.stream()
                    .map(r -> io.restassured.path.json.JsonPath.from(r.body()).getString("access_token"))
                    .collect(Collectors.toSet());
            assertThat(tokens).hasSize(1);
            assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
