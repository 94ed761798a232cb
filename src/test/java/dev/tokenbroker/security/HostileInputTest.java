package dev.tokenbroker.security;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.REPORTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile requests, one table: each is answered with the problem docs/api.md gives (status, code,
 * application/problem+json, no stack trace or upstream text), and the broker still serves a good request after it.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class HostileInputTest extends ServiceAccountBrokerTest {

    /** One hostile request: its Authorization header (made with the cluster), other headers, path and query. */
    record Hostile(Function<Cluster, String> authorization, Map<String, String> headers, String target) {}

    static Stream<Arguments> hostileRequests() {
        String thousandScopes = IntStream.range(0, 1000).mapToObj(i -> "s" + i).collect(Collectors.joining(","));
        String hundredAndOneScopeParameters = IntStream.range(0, 101).mapToObj(i -> "scope=s" + i).collect(Collectors.joining("&"));
        return Stream.of(
                // Oversized, below the HTTP layer's own limits.
                row("query string over 8 KiB", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=" + "a".repeat(9000), 400, "invalid_request"),
                row("headers over 16 KiB", key(OPS_KEY), Map.of("X-Padding", "p".repeat(17000)), "/tokens?credential=adobe-admin", 400, "invalid_request"),
                row("bearer over 8 KiB", c -> "Bearer " + "k".repeat(9000), "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                // Scopes.
                row("NUL in a scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=open%00id", 400, "invalid_request"),
                row("control character in a scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=open%01id", 400, "invalid_request"),
                row("DEL in a scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=open%7Fid", 400, "invalid_request"),
                row("escape sequence in a scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=%1B%5B31m", 400, "invalid_request"),
                row("non-ASCII scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=%C3%A9", 400, "invalid_request"),
                row("zero-width space in a scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=open%E2%80%8Bid", 400, "invalid_request"),
                row("invalid UTF-8 in a scope", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=%C3%28", 400, "invalid_request"),
                row("a thousand scopes", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=" + thousandScopes, 400, "invalid_request"),
                row("101 scope parameters", key(OPS_KEY), "/tokens?credential=adobe-admin&" + hundredAndOneScopeParameters, 400, "invalid_request"),
                row("scope of 201 characters", key(OPS_KEY), "/tokens?credential=adobe-admin&scope=" + "s".repeat(201), 400, "invalid_request"),
                // Credential names.
                row("credential twice", key(OPS_KEY), "/tokens?credential=adobe-admin&credential=other", 400, "invalid_request"),
                row("credential twice, same value", key(OPS_KEY), "/tokens?credential=adobe-admin&credential=adobe-admin", 400, "invalid_request"),
                row("../ in the credential", key(OPS_KEY), "/tokens?credential=../adobe-admin", 400, "invalid_request"),
                row("%2e%2e%2f in the credential", key(OPS_KEY), "/tokens?credential=%2e%2e%2fadobe-admin", 400, "invalid_request"),
                row("%2e%2e as the credential", key(OPS_KEY), "/tokens?credential=%2e%2e", 400, "invalid_request"),
                row("double-encoded %252e%252e", key(OPS_KEY), "/tokens?credential=%252e%252e%252fadobe-admin", 400, "invalid_request"),
                row("NUL after the credential", key(OPS_KEY), "/tokens?credential=adobe-admin%00", 400, "invalid_request"),
                row("dot-dot in the path", key(OPS_KEY), "/tokens/%2e%2e/%2e%2e/etc/passwd?credential=adobe-admin", 404, "not_found"),
                // Probing for credential names.
                row("unknown credential, caller without grants", key(STRANGER_KEY), "/tokens?credential=does-not-exist", 403, "forbidden"),
                row("unknown credential, ServiceAccount without grants", c -> "Bearer " + c.token(REPORTS_SERVICE_ACCOUNT).sign(),
                        "/tokens?credential=does-not-exist", 403, "forbidden"),
                // Malformed bearer values.
                row("no Authorization", c -> null, "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("Bearer without a value", c -> "Bearer", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("Bearer and blanks", c -> "Bearer    ", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("two bearer values", c -> "Bearer " + OPS_KEY + " " + OPS_KEY, "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("Basic scheme", c -> "Basic " + OPS_KEY, "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("only padding", c -> "Bearer ====", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("characters outside b64token", c -> "Bearer " + OPS_KEY + "\"<script>", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("non-ASCII bearer", c -> "Bearer cl\u00e9", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT of three empty parts", c -> "Bearer ..", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT that is not base64url", c -> "Bearer eyJ.~~~.eyJ", "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                // ServiceAccount tokens.
                row("JWT expired", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).expiresAt(Instant.now().minus(Duration.ofMinutes(5))).sign()),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT not valid yet", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).notBefore(Instant.now().plus(Duration.ofMinutes(5))).sign()),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT for another audience", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).audience("https://kubernetes.default.svc").sign()),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT from another issuer", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).issuer("https://evil.example").sign()),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT signed by an unknown key", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(Cluster.ecKey("rogue")).sign()),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT with alg none", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).unsigned()),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT with HS256", jwt(c -> c.token(PAYMENTS_SERVICE_ACCOUNT).hs256(new byte[32])),
                        "/tokens?credential=adobe-admin", 401, "unauthenticated"),
                row("JWT with a tampered payload", jwt(c -> Cluster.withPayload(c.token(REPORTS_SERVICE_ACCOUNT).sign(),
                        c.token(PAYMENTS_SERVICE_ACCOUNT).claims().toString())), "/tokens?credential=adobe-admin", 401, "unauthenticated"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRequests")
    void hostileRequestGetsTheContractsProblemAndTheBrokerCarriesOn(String name, Hostile hostile, int status, String code) {
        RequestSpecification request = given().urlEncodingEnabled(false).headers(hostile.headers());
        String authorization = hostile.authorization().apply(cluster);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        Problems.get(request, hostile.target(), status, code)
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));

        as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200);
    }

    @Test
    void twoAuthorizationHeadersAreUnauthenticated() {
        Problems.get(given().header("Authorization", "Bearer " + OPS_KEY).header("Authorization", "Bearer " + STRANGER_KEY),
                "/tokens?credential=adobe-admin", 401, "unauthenticated");
    }

    /**
     * What the HTTP layer refuses before any code of the broker runs, with a bare status and an empty body (docs/api.md,
     * hostile input): request targets that are no URI (Quarkus checks with java.net.URI), a request line beyond
     * {@code quarkus.http.limits.max-initial-line-length}, headers beyond {@code max-header-size}. Sent over a raw
     * socket, since no HTTP client sends them.
     */
    static Stream<Arguments> refusedByTheHttpLayer() {
        String key = "Authorization: Bearer " + OPS_KEY;
        return Stream.of(
                Arguments.of("broken percent-encoding", "/tokens?credential=adobe%zzadmin", new String[] {key}, 400),
                Arguments.of("truncated percent-encoding", "/tokens?credential=adobe-admin%2", new String[] {key}, 400),
                Arguments.of("raw quote and angle brackets", "/tokens?credential=\"<x>\"", new String[] {key}, 400),
                Arguments.of("request line over 16 KiB", "/tokens?credential=adobe-admin&scope=" + "a".repeat(20_000),
                        new String[] {key}, 414),
                Arguments.of("headers over 32 KiB", "/tokens?credential=adobe-admin",
                        new String[] {key, "X-Padding: " + "p".repeat(40_000)}, 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedByTheHttpLayer")
    void requestTheHttpLayerRefusesGetsABareStatusAndTheBrokerCarriesOn(String name, String target, String[] headers,
            int status) throws IOException {
        RawHttp.Answer answer = RawHttp.get(RestAssured.port, target, headers);
        assertThat(answer.status()).as(answer.statusLine()).isEqualTo(status);
        assertThat(answer.headers()).containsEntry("content-length", "0");
        assertThat(answer.body()).isEmpty();
        as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200);
    }

    private static Function<Cluster, String> key(String key) {
        return c -> "Bearer " + key;
    }

    private static Function<Cluster, String> jwt(Function<Cluster, String> token) {
        return c -> "Bearer " + token.apply(c);
    }

    private static Arguments row(String name, Function<Cluster, String> authorization, String target, int status, String code) {
        return row(name, authorization, Map.of(), target, status, code);
    }

    private static Arguments row(String name, Function<Cluster, String> authorization, Map<String, String> headers,
            String target, int status, String code) {
        return Arguments.of(name, new Hostile(authorization, headers, target), status, code);
    }
}
