package dev.tokenbroker.trace;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import dev.tokenbroker.testing.SpanRecorder;
import dev.tokenbroker.testing.TracesProfile;
import dev.tokenbroker.token.ScopeSet;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With traces on: the span tree of a cold request, of one from memory, and of one that continues a caller's trace. */
@QuarkusTest
@TestProfile(TracesProfile.class)
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class TracesTest extends RedisBrokerTest {

    private static final Pattern TRACE_ID = Pattern.compile(" trace_id=([0-9a-f]{32})$");

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    CacheKeys keys;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeEach
    void forgetTheSetUp() {
        awaitQuiet();
        exporter.reset();
        logs.clear();
    }

    @Test
    void coldRequestShowsMintLockWaitRetriedAttemptAndRedis() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().inScenario("retry").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        ims.stubFor(Ims.tokenRequest().inScenario("retry").whenScenarioStateIs("up").willReturn(Ims.token(86399)));
        // Another replica holds the mint lock until the broker has looked at it: the broker waits for it.
        String lock = keys.lockName(credentials.get(Fixtures.CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse(List.of("openid"))));
        redis.command("SET", lock, "another-replica");
        redis.command("CONFIG", "RESETSTAT");
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> as(OPS_KEY)
                .queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "openid")
                .when().get("/tokens").then().statusCode(200).extract().path("access_token"));
        await().until(() -> redis.command("INFO", "commandstats").contains("cmdstat_exists:calls="));
        redis.command("DEL", lock);
        String token = answer.join();

        String traceId = auditTraceId();
        List<SpanData> trace = awaitTrace(traceId, 1);
        String tree = SpanRecorder.tree(exporter.getFinishedSpanItems(), traceId);
        System.out.println("cold request, as exported:\n" + tree);
        SpanData server = only(trace, s -> s.getKind() == SpanKind.SERVER);
        trace.stream().filter(s -> s.getKind() != SpanKind.INTERNAL).map(s -> s.getName() + " " + s.getAttributes().asMap())
                .distinct().forEach(System.out::println);
        assertThat(server.getName()).isEqualTo("GET /tokens");
        assertThat(server.getParentSpanContext().isValid()).isFalse();
        assertThat(attr(server, "token_broker.tier")).isEqualTo("upstream");
        assertThat(attr(server, "token_broker.caller")).isEqualTo("ops");
        assertThat(attr(server, "token_broker.credential")).isEqualTo(Fixtures.CREDENTIAL);
        assertThat(attr(server, "token_broker.outcome")).isEqualTo("ok");

        SpanData mint = only(trace, s -> s.getName().equals("mint"));
        assertThat(mint.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(attr(mint, "token_broker.mint.reason")).isEqualTo("miss");
        assertThat(attr(mint, "token_broker.outcome")).isEqualTo("ok");
        SpanData wait = only(trace, s -> s.getName().equals("mint lock wait"));
        assertThat(wait.getParentSpanId()).isEqualTo(mint.getSpanId());
        assertThat(attr(wait, "token_broker.lock.result")).isEqualTo("lock_gone");

        List<SpanData> attempts = trace.stream().filter(s -> s.getName().equals("upstream attempt"))
                .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
        assertThat(attempts).extracting(s -> attr(s, "token_broker.upstream.result")).containsExactly("server_error", "success");
        assertThat(attempts).extracting(s -> s.getAttributes().get(AttributeKey.longKey("token_broker.upstream.attempt")))
                .containsExactly(1L, 2L);
        for (SpanData attempt : attempts) {
            assertThat(attempt.getParentSpanId()).isEqualTo(mint.getSpanId());
            assertThat(trace).as("the REST client's HTTP span beneath " + attempt.getName())
                    .anyMatch(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId().equals(attempt.getSpanId()));
        }
        List<SpanData> redisCommands = trace.stream().filter(s -> "redis".equals(attr(s, "db.system"))).toList();
        assertThat(redisCommands).extracting(SpanData::getName).contains("get", "set", "exists", "eval");
        assertThat(redisCommands).as("the lock's commands are beneath the mint").anyMatch(s -> s.getName().equals("exists")
                && s.getParentSpanId().equals(wait.getSpanId()));
        assertThat(SpanRecorder.everything(exporter.getFinishedSpanItems())).noneMatch(v -> v.contains(token));
    }

    @Test
    void requestFromMemoryIsOneServerSpan() {
        token("openid");
        awaitQuiet();
        exporter.reset();
        logs.clear();
        token("openid");
        String traceId = auditTraceId();
        List<SpanData> trace = awaitTrace(traceId, 1);
        assertThat(trace).hasSize(1);
        assertThat(trace.get(0).getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(attr(trace.get(0), "token_broker.tier")).isEqualTo("memory");
    }

    @Test
    void requestContinuesTheCallersTrace() {
        String callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        as(OPS_KEY).header("traceparent", "00-" + callerTrace + "-" + callerSpan + "-01")
                .queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(200);
        assertThat(auditTraceId()).isEqualTo(callerTrace);
        SpanData server = only(awaitTrace(callerTrace, 1), s -> s.getKind() == SpanKind.SERVER);
        assertThat(server.getParentSpanId()).isEqualTo(callerSpan);
        assertThat(server.getParentSpanContext().isRemote()).isTrue();
    }

    @Test
    void everyEntryPointHasAServerSpan() {
        RestAssured.given().formParam("grant_type", "client_credentials").formParam("client_id", Fixtures.CREDENTIAL)
                .formParam("client_secret", OPS_KEY).formParam("scope", "openid")
                .when().post("/oauth2/token").then().statusCode(200);
        RestAssured.given().when().get("/.well-known/oauth-authorization-server").then().statusCode(200);
        as(OPS_KEY).when().delete("/tokens/" + Fixtures.CREDENTIAL).then().extract().statusCode();
        await().untilAsserted(() -> assertThat(exporter.getFinishedSpanItems()).filteredOn(s -> s.getKind() == SpanKind.SERVER)
                .extracting(SpanData::getName).contains("POST /oauth2/token", "GET /.well-known/oauth-authorization-server",
                        "DELETE /tokens/{credential}"));
        assertThat(logs.messages("tokenbroker.audit")).allMatch(line -> TRACE_ID.matcher(line).find());
    }

    @Test
    void backgroundRefreshIsAMintWithItsReasonBeneathTheRequestThatStartedIt() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(8)));
        String first = token("openid", "0");
        await().atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> !token("openid", "0").equals(first));
        SpanData refresh = await().until(() -> exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("mint") && "refresh_ahead".equals(attr(s, "token_broker.mint.reason")))
                .findFirst().orElse(null), s -> s != null);
        assertThat(attr(refresh, "token_broker.outcome")).isEqualTo("ok");
        SpanData request = await().until(() -> exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getSpanId().equals(refresh.getParentSpanId())).findFirst().orElse(null), s -> s != null);
        assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(attr(request, "token_broker.tier")).isIn("memory", "redis");
    }

    @Test
    void aMintAfterAPurgeSaysSo() {
        token("openid");
        as(OPS_KEY).when().delete("/tokens/" + Fixtures.CREDENTIAL).then().statusCode(204);
        awaitQuiet();
        exporter.reset();
        logs.clear();
        String minted = token("openid");
        SpanData mint = only(awaitTrace(auditTraceId(), 1), s -> s.getName().equals("mint"));
        assertThat(attr(mint, "token_broker.mint.reason")).isEqualTo("purge");
        awaitQuiet();
        exporter.reset();
        logs.clear();
        // The token gone by other means than a purge (here: dropped by its digest, and Redis emptied): a plain miss.
        assertThat(localCache.dropToken(Fixtures.CREDENTIAL, sha256Hex(minted))).isTrue();
        redis.command("FLUSHALL");
        token("openid");
        SpanData next = only(awaitTrace(auditTraceId(), 1), s -> s.getName().equals("mint"));
        assertThat(attr(next, "token_broker.mint.reason")).as("the purge is told once").isEqualTo("miss");
    }

    @Test
    void spansHoldNoTokenSecretOrCallerKey() {
        String minted = token("openid");
        String fromMemory = token("openid");
        String viaOAuth = RestAssured.given().formParam("grant_type", "client_credentials")
                .formParam("client_id", Fixtures.CREDENTIAL).formParam("client_secret", OPS_KEY)
                .formParam("scope", "openid AdobeID").when().post("/oauth2/token").then().statusCode(200)
                .extract().path("access_token");
        await().until(() -> exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.SERVER).count() >= 3);
        awaitQuiet();
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).anyMatch(s -> s.getName().equals("upstream attempt"));
        assertThat(SpanRecorder.everything(spans)).isNotEmpty().allSatisfy(value -> assertThat(value)
                .doesNotContain(minted).doesNotContain(fromMemory).doesNotContain(viaOAuth)
                .doesNotContain(Fixtures.CLIENT_SECRET).doesNotContain(OPS_KEY).doesNotContain("Bearer")
                .doesNotContain(Fixtures.CLIENT_SECRET.substring(8, 24)).doesNotContain(OPS_KEY.substring(6, 22)));
        // The Redis instrumentation names the command only: its arguments are key names and sealed values.
        assertThat(spans).filteredOn(s -> "redis".equals(attr(s, "db.system"))).isNotEmpty().allSatisfy(s -> {
            String statement = attr(s, "db.statement");
            assertThat(statement == null || statement.matches("[a-zA-Z]+")).as(String.valueOf(statement)).isTrue();
        });
    }

    private String auditTraceId() {
        List<String> lines = logs.messages("tokenbroker.audit");
        assertThat(lines).hasSize(1);
        Matcher m = TRACE_ID.matcher(lines.get(0));
        assertThat(m.find()).as(lines.get(0)).isTrue();
        return m.group(1);
    }

    /** The trace's spans once its server span (which ends last) has been exported. */
    private List<SpanData> awaitTrace(String traceId, int servers) {
        await().until(() -> exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getTraceId().equals(traceId) && s.getKind() == SpanKind.SERVER).count() >= servers);
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    /** Waits until the spans of earlier requests (the set-up's, its background work) are all exported. */
    private void awaitQuiet() {
        await().pollInterval(java.time.Duration.ofMillis(200)).until(new java.util.concurrent.Callable<>() {
            int last = -1;

            @Override
            public Boolean call() {
                int now = exporter.getFinishedSpanItems().size();
                boolean same = now == last;
                last = now;
                return same;
            }
        });
    }

    private static SpanData only(List<SpanData> spans, java.util.function.Predicate<SpanData> which) {
        List<SpanData> found = spans.stream().filter(which).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static String sha256Hex(String value) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String attr(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private String token(String scope) {
        return token(scope, "300");
    }

    private String token(String scope, String minTtl) {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", scope)
                .queryParam("min_ttl", minTtl).when().get("/tokens").then().statusCode(200).extract().path("access_token");
    }
}
