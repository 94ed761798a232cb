package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.testing.Cluster;
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
import java.util.regex.Pattern;
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
                        + " outcome=forbidden status=403 tier=none reason=no_grant_for_credential",
                "event=token_request caller=payments method=service-account credential=adobe-admin scopes=\"read_organizations\""
                        + " outcome=forbidden status=403 tier=none reason=scopes_not_granted",
                "event=token_request caller=ops method=api-key credential=adobe-admin scopes=\"creative_sdk\""
                        + " outcome=invalid_scope status=400 tier=none reason=scopes_not_in_credential");
    }

    @Test
    void unauthenticatedRequestNamesHowTheCallerTriedAndWhyItFailed() {
        get(as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).expiresAt(Instant.now().minus(Duration.ofMinutes(5))).sign()),
                "credential=adobe-admin", 401);
        get(as("not-a-listed-key-0123456789abcdef"), "credential=adobe-admin", 401);
        get(io.restassured.RestAssured.given(), "credential=adobe-admin", 401);
        assertThat(audit()).containsExactly(
                "event=token_request caller=- method=service-account credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=expired claimed_service_account=payments/billing unverified=true cluster=default",
                "event=token_request caller=- method=api-key credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=unknown_api_key key_sha256_prefix="
                        + Fixtures.sha256("not-a-listed-key-0123456789abcdef").substring(0, 8),
                "event=token_request caller=- method=- credential=- scopes=- outcome=unauthenticated status=401"
                        + " tier=none reason=missing_bearer");
    }

    /** A token whose signature and claims check out, of a ServiceAccount no entry lists: named, with its cluster. */
    @Test
    void aValidlySignedTokenOfAnUnlistedServiceAccountNamesItAndItsCluster() {
        String token = cluster.token("payments/nobody").sign();
        get(as(token), "credential=adobe-admin", 401);
        assertThat(audit()).containsExactly("event=token_request caller=- method=service-account credential=- scopes=-"
                + " outcome=unauthenticated status=401 tier=none reason=unknown_service_account"
                + " service_account=payments/nobody cluster=default");
        assertThat(String.join("\n", logs.lines())).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
    }

    /** A token whose signature fails: what it claims is named, but marked unverified, since anyone can claim it. */
    @Test
    void aTokenWithABadSignatureNamesTheClaimedSubjectMarkedUnverified() {
        String forged = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(Cluster.rsaKey(cluster.rsa.getKeyID())).sign();
        get(as(forged), "credential=adobe-admin", 401);
        get(as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).subject("not-a-service-account; reason=ok").sign()),
                "credential=adobe-admin", 401);
        assertThat(audit()).containsExactly(
                "event=token_request caller=- method=service-account credential=- scopes=- outcome=unauthenticated"
                        + " status=401 tier=none reason=bad_signature claimed_service_account=payments/billing unverified=true"
                        + " cluster=default",
                "event=token_request caller=- method=service-account credential=- scopes=- outcome=unauthenticated"
                        + " status=401 tier=none reason=subject cluster=default");
        assertThat(String.join("\n", logs.lines())).doesNotContain(forged);
    }

    /**
     * A misspelt field drops its entry (and the broker refuses the file, keeping the last good policy): the key of
     * that entry is refused as not loaded, with where its entry is, not as unknown.
     */
    @Test
    void aKeyWhoseEntryWasDroppedIsRefusedForThatNotAsUnknown() throws Exception {
        String key = "tb-newcomer-key-0123456789abcdef0123";
        Files.writeString(callersFile, Fixtures.callersYaml() + """
                  - name: newcomer
                    api-key-sha265: %s
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                """.formatted(Fixtures.sha256(key)));
        await().until(() -> callers.problem().isPresent());
        logs.clear();
        get(as(key), "credential=adobe-admin", 401);
        get(as(OPS_KEY), "credential=adobe-admin&scope=openid", 200); // the last good policy still serves
        int line = (int) Fixtures.callersYaml().lines().count() + 1;
        assertThat(audit()).first().isEqualTo("event=token_request caller=- method=api-key credential=- scopes=-"
                + " outcome=unauthenticated status=401 tier=none reason=caller_entry_not_loaded key_sha256_prefix="
                + Fixtures.sha256(key).substring(0, 8) + " caller_entry=" + callersFile + ":" + line);
        assertThat(String.join("\n", logs.lines())).doesNotContain(key).doesNotContain(Fixtures.sha256(key));
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
                        + " tier=none reason=unknown_api_key key_sha256_prefix="
                        + Fixtures.sha256("not-a-listed-key-0123456789abcdef").substring(0, 8),
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

    /** A refusal's {@code peer}: the test client's loopback address and port. */
    private static final Pattern PEER = Pattern.compile(" peer=(127\\.0\\.0\\.1|\\[0:0:0:0:0:0:0:1\\]):[0-9]{1,5}");

    /**
     * The audit lines, each refusal's {@code peer} checked (present on every refusal, absent from every success) and
     * then left out, since its port differs from run to run.
     */
    private List<String> audit() {
        List<String> lines = logs.messages("tokenbroker.audit");
        assertThat(lines).allSatisfy(line -> assertThat(PEER.matcher(line).find()).as(line)
                .isEqualTo(!line.contains(" outcome=ok ")));
        return lines.stream().map(line -> PEER.matcher(line).replaceAll("")).toList();
    }

    private static String get(RequestSpecification request, String query, int status) {
        return request.when().get("/tokens?" + query).then().statusCode(status).extract().path("access_token");
    }
}
