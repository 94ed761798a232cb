package dev.tokenbroker.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.caller.CallerPolicy;
import dev.tokenbroker.caller.CallerPolicyStore;
import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.tls.CaBundle;
import io.micrometer.core.instrument.MeterRegistry;
import io.restassured.response.ValidatableResponse;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up of the tests against a {@link PrivateIdentityProvider} (its test resources include
 * {@link ImsResource}, for the credential mount and the callers file, and {@link PrivateIdentityProviderResource}):
 * the caller {@code ops} may ask for credentials {@link #IDP_A} and {@link #IDP_B}, which a test mounts pointing at
 * the private endpoint, with or without a {@code ca_file}; every request mints.
 */
public abstract class PrivateUpstreamBrokerTest {

    public static final String IDP_A = "idp-a";
    public static final String IDP_B = "idp-b";

    private static final String CALLERS = """
            callers:
              - name: ops
                api-key-sha256: %s
                grants:
                  - credential: idp-a
                    scopes: ["*"]
                  - credential: idp-b
                    scopes: ["*"]
            """.formatted(Fixtures.sha256(Fixtures.OPS_KEY));

    @TestDependency
    protected PrivateIdentityProvider idp;

    @TestDependency
    protected SecretMount secrets;

    @TestDependency
    protected Path callersFile;

    @Inject
    protected CredentialRegistry credentials;

    @Inject
    protected CallerPolicyStore callers;

    @Inject
    protected MeterRegistry meters;

    @Inject
    protected LocalTokenCache localCache;

    @BeforeEach
    void privateUpstreamWorld() throws Exception {
        if (!Files.readString(callersFile).equals(CALLERS)) {
            Files.writeString(callersFile, CALLERS);
        }
        CallerPolicy policy = CallersFile.parse(CALLERS.getBytes(StandardCharsets.UTF_8));
        await().until(() -> callers.policy().equals(policy));
        idp.server().resetAll();
        Ims.issuesTokens(idp.server(), 86399);
        localCache.clear();
    }

    @AfterEach
    void unmountPrivateCredentials() {
        secrets.remove(IDP_A);
        secrets.remove(IDP_B);
        await().until(() -> credentials.get(IDP_A).isEmpty() && credentials.get(IDP_B).isEmpty());
        CircuitBreakerMaintenance.get().resetAll();
    }

    /** Mounts a credential for the private endpoint, with this {@code ca_file} if any, and waits until it is served. */
    protected void mount(String credential, Optional<String> caFile) {
        Map<String, String> files = Fixtures.adobeAdmin(idp.tokenUrl());
        caFile.ifPresent(pem -> files.put("ca_file", pem));
        secrets.write(credential, files);
        Optional<CaBundle> expected = caFile.map(PrivateUpstreamBrokerTest::bundle);
        await().until(() -> credentials.get(credential)
                .filter(c -> c.tokenUrl().toString().equals(idp.tokenUrl()) && c.caBundle().equals(expected))
                .isPresent());
    }

    protected static ValidatableResponse tokenFor(String credential) {
        return given().header("Authorization", "Bearer " + Fixtures.OPS_KEY).queryParam("credential", credential)
                .when().get("/tokens").then();
    }

    /** Attempts at the token endpoint of this credential so far with this result. */
    protected double upstreamCalls(String credential, String result) {
        return meters.counter("tokenbroker.upstream.calls", "credential", credential, "result", result).count();
    }

    private static CaBundle bundle(String pem) {
        try {
            return CaBundle.parse(pem);
        } catch (CaBundle.InvalidCaBundle e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
