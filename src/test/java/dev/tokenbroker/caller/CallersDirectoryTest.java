package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.CallersDirectoryResource.CALLERS;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.CallersDirectory;
import dev.tokenbroker.testing.CallersDirectoryResource;
import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A callers directory of five files holding 10,000 callers (docs/configuration.md, Grants for many teams), read by
 * a running broker: each file reloaded on its own, repeats across files refused in the later file, and
 * {@code namespace/*} entries, through real {@code GET /tokens} with static keys and ServiceAccount tokens.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
@WithTestResource(CallersDirectoryResource.class)
class CallersDirectoryTest {

    private static final int LAST = CALLERS - 1;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @TestDependency
    WireMockServer ims;

    @TestDependency
    Cluster cluster;

    @TestDependency
    CallersDirectory directory;

    @Inject
    CallerPolicyStore callers;

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @BeforeEach
    void issueTokens() {
        ims.resetAll();
        Ims.issuesTokens(ims, 86399);
    }

    @AfterEach
    void restoreTheGeneratedFiles() throws Exception {
        directory.writeAll();
        await().until(() -> callers.problem().isEmpty() && callers.policy().callers().size() == CALLERS);
    }

    @Test
    void tenThousandCallersInFiveFilesUnderOneMebibyteAreReadyAndTheLastIsServedAsTheFirst() throws Exception {
        for (int n = 1; n <= CallersDirectoryResource.FILES; n++) {
            assertThat(Files.size(directory.dir().resolve("team-" + n + ".yaml"))).isLessThan(1024 * 1024);
        }
        given().get(readiness).then().statusCode(200);
        assertThat(callers.problem()).isEmpty();
        assertThat(callers.policy().callers()).hasSize(CALLERS);

        // The first caller of the first file and the last of the last are one map look-up each, by key and by
        // ServiceAccount (their rates against a running broker: docs/benchmark.md, Callers in files).
        for (int i : new int[] {0, LAST}) {
            token(as(CallersDirectory.key(i)), "openid").then().statusCode(200);
            token(as(cluster.token(directory.serviceAccount(i)).sign()), "openid").then().statusCode(200);
        }
        Problems.get(as(CallersDirectory.key(LAST)), "/tokens?credential=adobe-admin&scope=AdobeID", 403, "forbidden");
    }

    @Test
    void aBrokenFileKeepsItsCallersWhileAnotherFileChanges() throws Exception {
        Path broken = directory.write("team-2.yaml", "callers:\n  - name: half-written\n    grants: [\n");
        directory.write("team-3.yaml", directory.teamFile(3) + """
                  - name: newcomer
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: [AdobeID]}]
                """.formatted(Fixtures.sha256(Fixtures.OPS_KEY)));

        await().until(() -> callers.policy().byKeyDigest(StaticKeyVerifier.sha256(Fixtures.OPS_KEY)).isPresent());
        assertThat(callers.problem()).hasValueSatisfying(problem -> assertThat(problem)
                .startsWith("team-2.yaml: not valid callers YAML at line 4, column 1: ").contains("(line 4)")
                .endsWith("; keeping each broken file's last good version"));
        assertThat(logs.lines()).anySatisfy(line -> assertThat(line)
                .contains("event=callers_invalid file=" + broken, "action=keeping_last_good"));
        token(as(Fixtures.OPS_KEY), "AdobeID").then().statusCode(200);
        int secondTeamsFirst = CALLERS / CallersDirectoryResource.FILES;
        assertThat(directory.fileOf(secondTeamsFirst)).isEqualTo(broken);
        token(as(CallersDirectory.key(secondTeamsFirst)), "openid").then().statusCode(200);
        token(as(cluster.token(directory.serviceAccount(secondTeamsFirst)).sign()), "openid").then().statusCode(200);
        assertThat(callers.policy().callers()).hasSize(CALLERS + 1);
    }

    @Test
    void aKeyOrServiceAccountRepeatedInALaterFileDoesNotWidenItsGrants() throws Exception {
        Path late = directory.write("zz-late.yaml", """
                callers:
                  - name: grabs-a-key
                    api-key-sha256: %s
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                  - name: grabs-an-account
                    service-account: %s
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                """.formatted(Fixtures.sha256(CallersDirectory.key(0)), directory.serviceAccount(LAST)));

        await().until(() -> callers.refused().size() == 2);
        assertThat(callers.problem()).hasValueSatisfying(problem -> assertThat(problem).contains(
                "caller grabs-a-key at " + late + ":2 is refused: its api-key-sha256 is listed at "
                        + directory.fileOf(0) + ":3 already",
                "caller grabs-an-account at " + late + ":5 is refused: its service-account is listed at "
                        + directory.fileOf(LAST) + ":" + (3 + 6 * (CALLERS / CallersDirectoryResource.FILES - 1)) + " already"));
        await().untilAsserted(() -> assertThat(logs.lines()).anySatisfy(line -> assertThat(line).contains(
                "event=callers_refused file=" + late, "line=2", "caller=grabs-a-key", "field=api-key-sha256",
                "also=" + directory.fileOf(0) + ":3")));
        Problems.get(as(CallersDirectory.key(0)), "/tokens?credential=adobe-admin&scope=AdobeID", 403, "forbidden");
        String lastsToken = cluster.token(directory.serviceAccount(LAST)).sign();
        Problems.get(as(lastsToken), "/tokens?credential=adobe-admin&scope=AdobeID", 403, "forbidden");
        token(as(lastsToken), "openid").then().statusCode(200);
        assertThat(logs.lines()).noneSatisfy(line -> assertThat(line).contains(Fixtures.sha256(CallersDirectory.key(0))));
    }

    @Test
    void aNamespaceEntryNamesEveryServiceAccountInItAndAnExactEntryTakesItsPlace() throws Exception {
        directory.write("payments.yaml", """
                callers:
                  - name: payments-namespace
                    service-account: payments/*
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                  - name: payments-billing
                    service-account: payments/billing
                    grants: [{credential: adobe-admin, scopes: [AdobeID]}]
                """);
        await().until(() -> callers.policy().byServiceAccount("payments/anyone").isPresent());

        String anyone = cluster.token("payments/anyone").sign();
        token(as(anyone), "openid").then().statusCode(200);
        Problems.get(as(anyone), "/tokens?credential=adobe-admin&scope=AdobeID", 403, "forbidden");
        // The exact entry's grants replace the namespace entry's for that account: AdobeID, and no longer openid.
        String billing = cluster.token("payments/billing").sign();
        token(as(billing), "AdobeID").then().statusCode(200);
        Problems.get(as(billing), "/tokens?credential=adobe-admin&scope=openid", 403, "forbidden");
        Problems.get(as(cluster.token("payroll/anyone").sign()), "/tokens?credential=adobe-admin", 401, "unauthenticated");
    }

    private static RequestSpecification as(String bearer) {
        return given().header("Authorization", "Bearer " + bearer);
    }

    private static io.restassured.response.Response token(RequestSpecification request, String scope) {
        return request.queryParam("credential", "adobe-admin").queryParam("scope", scope).when().get("/tokens");
    }
}
