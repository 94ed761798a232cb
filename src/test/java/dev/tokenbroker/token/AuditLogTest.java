package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One line on category tokenbroker.audit per GET /tokens decision, with exactly the fields docs/api.md names. */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
class AuditLogTest extends ServiceAccountBrokerTest {

    @Inject
    CacheKeys keys;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeEach
    void forgetTheSetUpRequest() {
        logs.clear();
    }

    @Test
    void allowedRequestWithAStaticKeyNamesTierAndFingerprint() {
        String token = get(as(OPS_KEY), "credential=adobe-admin&scope=openid", 200);
        String again = get(as(OPS_KEY), "credential=adobe-admin&scope=openid", 200);
        assertThat(again).isEqualTo(token);
        String fingerprint = keys.fingerprint(token);
        assertThat(audit()).containsExactly(
                "event=token_request caller=ops method=api-key credential=adobe-admin scopes=\"openid\" outcome=ok status=200"
                        + " tier=upstream fingerprint=" + fingerprint,
                "event=token_request caller=ops method=api-key credential=adobe-admin scopes=\"openid\" outcome=ok status=200"
                        + " tier=memory fingerprint=" + fingerprint);
    }

    /**
     * Answers from memory (a static key or a remembered ServiceAccount token, a token in the in-process tier) are
     * decided on the event loop; a mint, a first signature check and an unknown key go to a worker thread. The
     * audit line is written by the thread that decided.
     */
    @Test
    void answersFromMemoryStayOnTheEventLoopAndTheRestGoToAWorker() {
        String serviceAccountToken = cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign();
        get(as(OPS_KEY), "credential=adobe-admin&scope=openid", 200);           // minted: worker
        get(as(OPS_KEY), "credential=adobe-admin&scope=openid", 200);           // from memory: event loop
        get(as(serviceAccountToken), "credential=adobe-admin&scope=openid", 200); // signature checked: worker
        get(as(serviceAccountToken), "credential=adobe-admin&scope=openid", 200); // remembered: event loop
        get(as("no-such-key-" + OPS_KEY.length()), "credential=adobe-admin", 401); // not listed: a worker decides
        get(as(OPS_KEY), "credential=adobe-admin&scope=openid&min_ttl=90000", 400); // decided from memory

        assertThat(logs.threads("tokenbroker.audit")).hasSize(6).satisfiesExactly(
                thread -> assertThat(thread).startsWith("executor-thread-"),
                thread -> assertThat(thread).startsWith("vert.x-eventloop-thread-"),
                thread -> assertThat(thread).startsWith("executor-thread-"),
                thread -> assertThat(thread).startsWith("vert.x-eventloop-thread-"),
                thread -> assertThat(thread).startsWith("executor-thread-"),
                thread -> assertThat(thread).startsWith("vert.x-eventloop-thread-"));
    }

    @Test
    void allowedRequestWithAServiceAccountTokenNamesTheDefaultScopes() {
        String token = get(as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign()), "credential=adobe-admin", 200);
        assertThat(audit()).containsExactly("event=token_request caller=payments method=service-account credential=adobe-admin"
                + " scopes=\"AdobeID openid\" outcome=ok status=200 tier=upstream fingerprint=" + keys.fingerprint(token));
    }

    @Test
    void deniedRequestNamesItsCodeAndNoFingerprint() {
        get(as(STRANGER_KEY), "credential=adobe-admin&scope=openid", 403);
        get(as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).sign()), "credential=adobe-admin&scope=read_organizations", 403);
        get(as(OPS_KEY), "credential=adobe-admin&scope=creative_sdk", 400);
        assertThat(audit()).containsExactly(
                "event=token_request caller=stranger method=api-key credential=adobe-admin scopes=\"openid\""
                        + " outcome=forbidden status=403 tier=none",
                "event=token_request caller=payments method=service-account credential=adobe-admin scopes=\"read_organizations\""
                        + " outcome=forbidden status=403 tier=none",
                "event=token_request caller=ops method=api-key credential=adobe-admin scopes=\"creative_sdk\""
                        + " outcome=invalid_scope status=400 tier=none");
    }

    @Test
    void unauthenticatedRequestNamesHowTheCallerTriedAndWhyItFailed() {
        get(as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).expiresAt(Instant.now().minus(Duration.ofMinutes(5))).sign()),
                "credential=adobe-admin", 401);
        get(as("not-a-listed-key-0123456789abcdef"), "credential=adobe-admin", 401);
        get(io.restassured.RestAssured.given(), "credential=adobe-admin", 401);
        assertThat(audit()).containsExactly(
                "event=token_request caller=- method=service-account credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=expired",
                "event=token_request caller=- method=api-key credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=unknown_api_key",
                "event=token_request caller=- method=- credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=missing_bearer");
    }

    @Test
    void listedKeyShorterThan32CharactersNeverAuthenticates() throws Exception {
        String shortKey = "k".repeat(31);
        String longEnough = "k".repeat(32);
        Files.writeString(callersFile, Fixtures.callersYaml() + """
                  - name: short
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                  - name: long-enough
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                """.formatted(Fixtures.sha256(shortKey), Fixtures.sha256(longEnough)));
        await().until(() -> callers.policy().callers().size() == 7);
        logs.clear();

        Problems.get(as(shortKey), "/tokens?credential=adobe-admin", 401, "unauthenticated");
        get(as(longEnough), "credential=adobe-admin", 200);
        assertThat(audit()).hasSize(2).first().isEqualTo("event=token_request caller=- method=api-key credential=-"
                + " scopes=- outcome=unauthenticated status=401 tier=none reason=short_api_key");
    }

    @Test
    void everyPurgeIsAuditedAllowedOrNot() {
        purge(as(OPS_KEY), "adobe-admin", 204);
        purge(as(STRANGER_KEY), "adobe-admin", 403);
        purge(as("not-a-listed-key-0123456789abcdef"), "adobe-admin", 401);
        purge(io.restassured.RestAssured.given(), "adobe-admin", 401);
        purge(as(OPS_KEY), "Not%0AValid", 400);
        assertThat(audit()).containsExactly(
                "event=token_purge caller=ops method=api-key credential=adobe-admin scopes=- outcome=ok status=204 tier=none",
                "event=token_purge caller=stranger method=api-key credential=adobe-admin scopes=- outcome=forbidden"
                        + " status=403 tier=none",
                "event=token_purge caller=- method=api-key credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=unknown_api_key",
                "event=token_purge caller=- method=- credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=missing_bearer",
                "event=token_purge caller=ops method=api-key credential=- scopes=- outcome=invalid_request status=400"
                        + " tier=none");
    }

    private static void purge(RequestSpecification request, String credential, int status) {
        request.urlEncodingEnabled(false).when().delete("/tokens/" + credential).then().statusCode(status);
    }

    @Test
    void invalidParametersAreNeverQuoted() {
        get(as(OPS_KEY).urlEncodingEnabled(false), "credential=..%2Fetc%0Apasswd", 400);
        get(as(OPS_KEY).urlEncodingEnabled(false), "credential=adobe-admin&scope=open%0Did%01%1B%5B2J", 400);
        assertThat(audit()).containsExactly(
                "event=token_request caller=ops method=api-key credential=- scopes=- outcome=invalid_request status=400 tier=none",
                "event=token_request caller=ops method=api-key credential=adobe-admin scopes=- outcome=invalid_request status=400"
                        + " tier=none");
    }

    private List<String> audit() {
        return logs.messages("tokenbroker.audit");
    }

    private static String get(RequestSpecification request, String query, int status) {
        return request.when().get("/tokens?" + query).then().statusCode(status).extract().path("access_token");
    }
}
