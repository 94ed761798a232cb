package dev.tokenbroker.cache;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.Answers;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RedisAcl;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.SecuredRedisResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker on a Redis that listens on TLS only, with the {@code default} user off, logged in as docs/security.md's
 * least-privilege ACL user: every part of the token path works with exactly those rights (and Redis logs no
 * denial); a user with fewer rights, a wrong password or a server certificate the broker must not trust is
 * reported clearly (log line, readiness, error counter), never with the password, and requests still answer at
 * once from the in-process tier.
 */
@QuarkusTest
@WithTestResource(SecuredRedisResource.class)
@WithTestResource(ImsResource.class)
@EnabledIf(value = "dev.tokenbroker.testing.RedisProcess#tlsSupported",
        disabledReason = "the redis-server here cannot listen on TLS (built without it), or openssl is missing")
class RedisAclTest extends RedisBrokerTest {

    /** Much less than the lock's 30s: a request that waited on a lock nobody can release would take that long. */
    private static final Duration PROMPT = Duration.ofSeconds(5);

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    /** The broker's Redis password (read at run time: every test app would need the setting for an injection). */
    private final String password = ConfigProvider.getConfig().getValue("quarkus.redis.password", String.class);

    @Inject
    MeterRegistry meters;

    @Inject
    CacheKeys keys;

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @TestHTTPResource("/tokens?credential=adobe-admin&scope=AdobeID")
    URI adobeIdTokens;

    @AfterEach
    void restoreUserAndCertificate() {
        redis.serveCertificate(redis.certificates().certificate());
        setUser(RedisAcl.rules(password).split(" "));
        await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(readiness("redis"))
                && "subscribed".equals(readiness("redis-events")));
        assertThat(logs.lines()).as("log lines").noneMatch(line -> line.contains(password));
    }

    @Test
    void everyTokenPathRunsOverTlsAsTheLeastPrivilegeUser() {
        String token = token("openid");
        List<String> names = redis.command("KEYS", "tokenbroker:*").lines().toList();
        assertThat(names).hasSize(2).anyMatch(n -> n.startsWith("tokenbroker:t:{")).anyMatch(n -> n.startsWith("tokenbroker:c:"));
        localCache.clear(); // as on a replica that just started
        assertThat(token("openid")).isEqualTo(token);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);

        // Every connection of the broker is its own user's, over TLS; none is default's.
        List<String> clients = redis.command("CLIENT", "LIST").lines().filter(c -> !c.contains("user=test-admin")).toList();
        assertThat(clients).isNotEmpty().allMatch(c -> c.contains(" user=" + RedisAcl.USER + " "));
        assertThat(redis.command("PUBSUB", "NUMSUB", "tokenbroker:events")).isEqualTo("tokenbroker:events\n:1");
        assertThat(readiness("cache")).isEqualTo("memory,redis");
        assertThat(readiness("redis")).isEqualTo("ok");
        assertThat(readiness("redis-events")).isEqualTo("subscribed");
        assertNoDenials();
    }

    @Test
    void concurrentRequestsTakeTheFleetLockOnceAndReleaseIt() throws Exception {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withFixedDelay(1500)));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(adobeIdTokens).header("Authorization", "Bearer " + OPS_KEY)
                .timeout(Duration.ofSeconds(30)).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        // The lock, taken with SET NX PX while the identity provider answers ...
        await().atMost(Duration.ofSeconds(10)).until(() -> !redis.command("KEYS", "tokenbroker:l:*").isEmpty());
        Answers.allOneTokenFromOneMint(answers, ims);
        // ... and released by its owner with the compare-and-delete script (EVAL, whose GET and DEL are checked too).
        assertThat(redis.command("KEYS", "tokenbroker:l:*")).isEmpty();
        assertThat(calls(commandStats("eval"))).isPositive();
        assertThat(commandStats("eval")).contains("rejected_calls=0");
        assertNoDenials();
    }

    @Test
    void purgesArePublishedAndHeardOnTheEventsChannel() {
        String before = token("openid");
        // Another replica's purge: it deletes the tokens in Redis and publishes the credential's tag.
        redis.flushAll();
        redis.command("PUBLISH", "tokenbroker:events", "drop:" + System.currentTimeMillis() + ":" + keys.credentialTag(Fixtures.CREDENTIAL, 0));
        // Heard over the subscription: this replica drops its in-process copy and mints anew.
        await().atMost(Duration.ofSeconds(10)).until(() -> !token("openid").equals(before));

        long published = calls(commandStats("publish"));
        as(OPS_KEY).when().delete("/tokens/adobe-admin").then().statusCode(204);
        // Only the credential's purge generation is left, so that nothing sealed before the purge is served again.
        assertThat(redis.command("KEYS", "tokenbroker:*")).matches("tokenbroker:g:\\{[0-9a-f]{32}\\}");
        assertThat(calls(commandStats("publish"))).isGreaterThan(published);
        assertThat(commandStats("publish")).contains("rejected_calls=0");
        assertNoDenials();
    }

    @Test
    void aUserWithoutEvalIsReportedAndRequestsDoNotWaitForTheLockItCannotRelease() {
        double errors = errors("unlock");
        setUser("-eval");
        String first = promptToken("AdobeID");

        assertThat(logs.messages("dev.tokenbroker.cache.RedisAvailability")).anyMatch(line -> line.contains(
                "event=redis_unavailable operation=unlock command=EVAL problem=refused "
                        + "reason=\"NOPERM this user has no permissions to run the 'eval' command\""));
        assertThat(readiness("cache")).isEqualTo("memory (redis unavailable)");
        assertThat(readiness("redis")).startsWith("EVAL refused: NOPERM this user has no permissions to run the 'eval' command");
        assertThat(errors("unlock")).isGreaterThan(errors);
        assertThat(redis.command("KEYS", "tokenbroker:l:*")).as("the lock nobody could release").isNotEmpty();

        // A purge still reaches Redis; the next mint does not wait the lock's 30s for a release that cannot come.
        as(OPS_KEY).when().delete("/tokens/adobe-admin").then().statusCode(204);
        assertThat(redis.command("KEYS", "tokenbroker:t:*")).isEmpty();
        assertThat(promptToken("AdobeID")).isNotEqualTo(first);
    }

    @Test
    void aScriptIsCheckedAgainstTheUsersRightsToo() {
        setUser("-del"); // EVAL stays allowed, but not the DEL that the lock's release script calls
        promptToken("AdobeID");
        assertThat(readiness("redis")).startsWith("EVAL refused: ERR The user executing the script can't run this command");
        promptToken("openid");
    }

    @Test
    void aUserLimitedToOtherKeysIsReportedAndRequestsStillAnswer() {
        double errors = errors("get");
        setUser("resetkeys", "~other:*");
        promptToken("openid");
        localCache.clear();
        promptToken("openid");

        assertThat(logs.messages("dev.tokenbroker.cache.RedisAvailability")).anyMatch(line -> line.contains(
                "event=redis_unavailable operation=get command=MGET problem=refused reason=\"NOPERM"));
        // The refused MGET, or the SET that the check repeated every second tries first: either way, refused.
        assertThat(readiness("redis")).matches("(MGET|SET) refused: NOPERM .*");
        assertThat(errors("get")).isGreaterThan(errors);
    }

    @Test
    void aUserThatMayNotSubscribeIsReported() {
        double errors = errors("subscribe");
        setUser("-subscribe");
        redis.command("CLIENT", "KILL", "USER", RedisAcl.USER); // the subscription's connection too
        await().atMost(Duration.ofSeconds(10)).until(() -> readiness("redis-events")
                .startsWith("SUBSCRIBE refused: NOPERM this user has no permissions to run the 'subscribe' command"));
        assertThat(logs.messages("dev.tokenbroker.cache.RedisPurge")).anyMatch(line -> line.contains(
                "event=redis_subscription_lost channel=tokenbroker:events problem=refused "
                        + "reason=\"NOPERM this user has no permissions to run the 'subscribe' command\""));
        assertThat(errors("subscribe")).isGreaterThan(errors);
        promptToken("openid");
    }

    @Test
    void aWrongPasswordIsReportedWithoutEitherPassword() {
        String other = "rotated-" + password;
        setUser("resetpass", ">" + other);
        redis.command("CLIENT", "KILL", "USER", RedisAcl.USER);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            promptToken("openid");
            localCache.clear();
            return readiness("redis").contains(" refused: WRONGPASS invalid username-password pair");
        });
        promptToken("openid");
        assertThat(logs.messages("dev.tokenbroker.cache.RedisAvailability")).anyMatch(line -> line.contains(
                "problem=refused reason=\"WRONGPASS invalid username-password pair or user is disabled.\""));
        assertThat(logs.lines()).noneMatch(line -> line.contains(other));
        assertThat(RestAssured.given().get(readiness).asString()).doesNotContain(password).doesNotContain(other);
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefused() {
        redis.serveCertificate(redis.certificates().certificateFromAnotherCa("rogue", "DNS:localhost", "IP:127.0.0.1"));
        redis.command("CLIENT", "KILL", "USER", RedisAcl.USER);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            promptToken("openid");
            localCache.clear();
            return readiness("redis").contains("refused: SunCertPathBuilderException: unable to find valid certification path");
        });
        promptToken("openid");
        assertThat(logs.messages("dev.tokenbroker.cache.RedisAvailability")).anyMatch(line -> line.contains(
                "problem=refused reason=\"SunCertPathBuilderException: unable to find valid certification path"));
    }

    @Test
    void aServerCertificateForAnotherNameIsRefused() {
        redis.serveCertificate(redis.certificates().certificateFor("elsewhere", "DNS:redis.example.com"));
        redis.command("CLIENT", "KILL", "USER", RedisAcl.USER);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            promptToken("openid");
            localCache.clear();
            return readiness("redis").contains("refused: CertificateException: No subject alternative DNS name matching localhost");
        });
        promptToken("openid");
    }

    @Test
    void theSecurityPageGivesTheTestedAclLineAndTheBrokerUsesNoOtherCommand() throws Exception {
        String security = Files.readString(Path.of("docs/security.md"));
        assertThat(security).contains("ACL SETUSER token-broker reset on >PASSWORD " + RedisAcl.RULES);
        Set<String> allowed = Arrays.stream(RedisAcl.RULES.split(" ")).filter(r -> r.startsWith("+"))
                .map(r -> r.substring(1).toUpperCase(java.util.Locale.ROOT)).collect(Collectors.toCollection(TreeSet::new));
        Set<String> used = new TreeSet<>(RedisAvailability.COMMANDS);
        used.add("SUBSCRIBE");
        assertThat(allowed).isEqualTo(used);
    }

    @Override
    protected boolean expectsAclDenials() {
        return true; // some tests take rights away; those that do not say so themselves
    }

    /** Changes the broker's ACL user as {@code ACL SETUSER token-broker RULES...} does. */
    private void setUser(String... rules) {
        List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", RedisAcl.USER));
        command.addAll(List.of(rules));
        assertThat(redis.command(command.toArray(String[]::new))).isEqualTo("+OK");
    }

    private void assertNoDenials() {
        assertThat(redis.command("ACL", "LOG")).as("ACL LOG").isEmpty();
    }

    /** The {@code INFO commandstats} line of a command, e.g. {@code cmdstat_eval:calls=3,...,rejected_calls=0,failed_calls=0}. */
    private String commandStats(String command) {
        return redis.command("INFO", "commandstats").lines().filter(l -> l.startsWith("cmdstat_" + command + ":"))
                .findFirst().orElse("cmdstat_" + command + ":calls=0,");
    }

    private static long calls(String stats) {
        return Long.parseLong(stats.replaceAll("^[^:]*:calls=(\\d+),.*$", "$1"));
    }

    private double errors(String operation) {
        return meters.counter("tokenbroker.redis.errors", "operation", operation).count();
    }

    private String readiness(String detail) {
        return RestAssured.given().get(readiness).then().statusCode(200).extract().path("checks[0].data.'" + detail + "'");
    }

    /** A token, within {@link #PROMPT}. */
    private static String promptToken(String scope) {
        long start = System.nanoTime();
        String token = token(scope);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time to answer").isLessThan(PROMPT);
        return token;
    }

    private static String token(String scope) {
        return as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
