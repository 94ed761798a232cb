package dev.tokenbroker.testing;

import static io.restassured.RestAssured.given;

import com.github.tomakehurst.wiremock.WireMockServer;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.caller.CallerPolicy;
import dev.tokenbroker.caller.CallerPolicyStore;
import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.credential.CredentialRegistry;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up of the {@code @QuarkusTest}s that talk to the broker: IMS answers normally, caches are empty,
 * the credential and callers file are as in {@link Fixtures}, circuit breakers are closed.
 */
public abstract class BrokerTest {

    private static final CallerPolicy FIXTURE_POLICY = fixturePolicy();

    @TestDependency
    protected WireMockServer ims;

    @TestDependency
    protected SecretMount secrets;

    @TestDependency
    protected Path callersFile;

    @Inject
    protected LocalTokenCache localCache;

    @Inject
    protected CredentialRegistry credentials;

    @Inject
    protected CallerPolicyStore callers;

    @BeforeEach
    void resetWorld() throws Exception {
        awaitFixtures();
        ims.resetAll();
        Ims.issuesTokens(ims, 86399);
        localCache.clear();
        flushSharedCache();
        // One request first, so that no test's timing includes building the client or a cold connection.
        as(Fixtures.OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(200);
        ims.resetRequests();
        localCache.clear();
        flushSharedCache();
    }

    @AfterEach
    void restoreWorld() throws Exception {
        CircuitBreakerMaintenance.get().resetAll();
        if (!secrets.read(Fixtures.CREDENTIAL).equals(Fixtures.adobeAdmin(tokenUrl()))) {
            secrets.write(Fixtures.CREDENTIAL, Fixtures.adobeAdmin(tokenUrl()));
        }
        if (!Files.readString(callersFile).equals(Fixtures.callersYaml())) {
            Files.writeString(callersFile, Fixtures.callersYaml());
        }
    }

    /** Waits until the broker has re-read the fixture credential and callers file. */
    protected void awaitFixtures() {
        await().until(() -> credentials.problems().isEmpty()
                && credentials.get(Fixtures.CREDENTIAL)
                        .filter(c -> c.clientId().equals(Fixtures.CLIENT_ID)
                                && c.clientSecret().map(s -> s.value().equals(Fixtures.CLIENT_SECRET)).orElse(false)
                                && c.clientSecretNext().isEmpty()
                                && c.tokenParams().isEmpty()
                                && c.defaultLifetime().isEmpty()
                                && c.tokenUrl().toString().equals(tokenUrl()))
                        .isPresent()
                && callers.problem().isEmpty()
                && callers.policy().equals(FIXTURE_POLICY));
    }

    /** Overridden by tests that run with Redis. */
    protected void flushSharedCache() {}

    protected String tokenUrl() {
        return "http://localhost:" + ims.port() + Fixtures.TOKEN_PATH;
    }

    private static CallerPolicy fixturePolicy() {
        try {
            return CallersFile.parse(Fixtures.callersYaml().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (CallersFile.InvalidCallersFile e) {
            throw new IllegalStateException(e);
        }
    }

    protected static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }
}
