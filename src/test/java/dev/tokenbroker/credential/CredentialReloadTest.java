package dev.tokenbroker.credential;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Secrets mounted and swapped the way the kubelet does it, picked up without a restart, through file-system events
 * (the test profile puts the full check an hour away; {@link #checkHowChangesWerePickedUp()} checks it never ran).
 */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class CredentialReloadTest extends RedisBrokerTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @Inject
    MeterRegistry meters;

    @Test
    void rotatedSecretIsPickedUpFromTheSymlinkSwap() {
        String rotated = "p8e-TESTSECRET-rotated-1111222233334444";
        ims.stubFor(Ims.tokenRequest().atPriority(1).withFormParam("client_secret", WireMock.equalTo(rotated))
                .willReturn(Ims.token(86399)));
        secrets.update(Fixtures.CREDENTIAL, "client_secret", rotated);
        await().until(() -> credentials.get(Fixtures.CREDENTIAL).map(c -> c.clientSecret().map(s -> s.value().equals(rotated)).orElse(false)).orElse(false));

        token(OPS_KEY, "openid");
        ims.verify(1, Ims.tokenRequested().withFormParam("client_secret", WireMock.equalTo(rotated)));
    }

    @Test
    void changedSecretKeepsCachedTokens() {
        String before = token(OPS_KEY, "openid");
        secrets.update(Fixtures.CREDENTIAL, "client_secret", "p8e-TESTSECRET-rotated-5555666677778888");
        await().until(() -> credentials.get(Fixtures.CREDENTIAL)
                .map(c -> c.clientSecret().map(s -> s.value().endsWith("5555666677778888")).orElse(false)).orElse(false));
        assertThat(token(OPS_KEY, "openid")).isEqualTo(before);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void brokenFilesKeepTheLastValidVersionAndAreReported() {
        String before = token(OPS_KEY, "openid");
        secrets.update(Fixtures.CREDENTIAL, "client_id", null);
        await().until(() -> credentials.problems().containsKey(Fixtures.CREDENTIAL));
        assertThat(credentials.problems().get(Fixtures.CREDENTIAL)).contains("client_id").contains("missing");

        assertThat(token(OPS_KEY, "openid")).isEqualTo(before);
        token(OPS_KEY, "AdobeID"); // minting still works, with the last valid version
        ims.verify(1, Ims.tokenRequested().withFormParam("client_id", WireMock.equalTo(Fixtures.CLIENT_ID))
                .withFormParam("scope", WireMock.equalTo("AdobeID")));
        io.restassured.RestAssured.given().when().get(readiness)
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks[0].data.'credential.adobe-admin'", containsString("file=client_id"));
    }

    @Test
    void invalidTokenUrlIsReportedWithoutItsContent() {
        secrets.update(Fixtures.CREDENTIAL, "token_url", "http://ims.example.com/ims/token/v3");
        await().until(() -> credentials.problems().containsKey(Fixtures.CREDENTIAL));
        assertThat(credentials.problems().get(Fixtures.CREDENTIAL))
                .contains("file=token_url").contains("https").doesNotContain("ims.example.com");
    }

    @Test
    void removedCredentialStopsBeingServedAndItsTokensAreDropped() {
        String before = token(OPS_KEY, "openid");
        assertThat(redisData.key().keys("*")).isNotEmpty();
        secrets.remove(Fixtures.CREDENTIAL);
        await().until(() -> credentials.get(Fixtures.CREDENTIAL).isEmpty());
        as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(404).body("code", equalTo("unknown_credential"));
        // Tokens and their index are gone; the credential's purge generation stays, so they cannot be written back.
        await().until(() -> redisData.key().keys("*").stream().allMatch(name -> name.startsWith("tokenbroker:g:")));

        secrets.write(Fixtures.CREDENTIAL, Fixtures.adobeAdmin(tokenUrl()));
        awaitFixtures();
        assertThat(token(OPS_KEY, "openid")).isNotEqualTo(before);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    @Test
    void changedClientIdDropsCachedTokens() {
        String before = token(OPS_KEY, "openid");
        String otherClient = "9a8b7c6d5e4f30211203f4e5d6c7b8a9";
        ims.stubFor(Ims.tokenRequest().atPriority(1).withFormParam("client_id", WireMock.equalTo(otherClient))
                .willReturn(Ims.token(86399)));
        secrets.update(Fixtures.CREDENTIAL, "client_id", otherClient);
        await().until(() -> credentials.get(Fixtures.CREDENTIAL).map(c -> c.clientId().equals(otherClient)).orElse(false));
        as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("scope", "openid").when().get("/tokens")
                .then().statusCode(200)
                .body("client_id", equalTo(otherClient))
                .body("access_token", not(equalTo(before)));
        ims.verify(1, Ims.tokenRequested().withFormParam("client_id", WireMock.equalTo(otherClient)));
    }

    @Test
    void newCredentialDirectoryIsServedWithoutRestart() {
        String callers = Fixtures.callersYaml();
        try {
            writeCallers(callers.replace("credential: conformance", "credential: adobe-second"));
            await().until(() -> callers().hasGrantFor("adobe-second"));
            as(OPS_KEY).queryParam("credential", "adobe-second").when().get("/tokens")
                    .then().statusCode(404).body("code", equalTo("unknown_credential"));

            secrets.write("adobe-second", Fixtures.adobeAdmin(tokenUrl()));
            await().until(() -> credentials.get("adobe-second").isPresent());
            as(OPS_KEY).queryParam("credential", "adobe-second").queryParam("scope", "openid").when().get("/tokens")
                    .then().statusCode(200).body("credential", equalTo("adobe-second"));
            ims.verify(1, Ims.tokenRequested().withFormParam("scope", WireMock.equalTo("openid")));
        } finally {
            secrets.remove("adobe-second");
        }
        await().until(() -> credentials.get("adobe-second").isEmpty());
    }

    /** The tests above are picked up through file-system events: the registry never read the whole directory again. */
    @AfterEach
    void checkHowChangesWerePickedUp() {
        assertThat(meters.find("tokenbroker.credentials.reloads").counters())
                .filteredOn(c -> !List.of("startup", "event").contains(c.getId().getTag("trigger")))
                .allSatisfy(c -> assertThat(c.count()).as(c.getId().toString()).isZero());
    }

    private Caller callers() {
        return callers.policy().byKeyDigest(java.util.HexFormat.of().parseHex(Fixtures.sha256(OPS_KEY)))
                .orElseThrow(() -> new AssertionError("the ops caller is not in the policy"));
    }

    private void writeCallers(String yaml) {
        try {
            // Whole at once, as the kubelet swaps a ConfigMap's files: a reload never reads it half written.
            java.nio.file.Path next = Files.writeString(callersFile.resolveSibling(".callers.yaml.next"), yaml);
            Files.move(next, callersFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void callersFileReloadRemovesAGrant() throws Exception {
        token(BILLING_KEY, "openid");
        Files.writeString(callersFile, Fixtures.callersYaml().replace("credential: adobe-admin\n        scopes: [openid, AdobeID, user_management_sdk]",
                "credential: other\n        scopes: [openid]"));
        await().until(() -> !callers.policy().byKeyDigest(java.util.HexFormat.of().parseHex(Fixtures.sha256(BILLING_KEY)))
                .orElseThrow().hasGrantFor("adobe-admin"));
        as(BILLING_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(403).body("code", equalTo("forbidden"));
    }

    @Test
    void brokenCallersFileKeepsTheLastGoodPolicy() throws Exception {
        Files.writeString(callersFile, "callers:\n  - name: billing\n    api-key-sha256: [not, a, string\n");
        await().until(() -> callers.problem().isPresent());
        assertThat(callers.problem().get()).contains("keeping the last good policy");
        token(BILLING_KEY, "openid");
    }

    private static String token(String key, String scope) {
        return as(key).queryParam("credential", "adobe-admin").queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
    }
}
