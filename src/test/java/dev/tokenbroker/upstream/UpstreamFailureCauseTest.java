package dev.tokenbroker.upstream;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisProcess;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upstream failure names the token endpoint's host and the cause (docs/operations.md, Why was this refused?):
 * a name that does not resolve, a refused connection, a certificate of an unknown CA, an error status. The failing
 * endpoint belongs to a second credential, so the fixture's endpoint and its breaker are untouched.
 */
@QuarkusTest
@TestProfile(UpstreamResilienceTest.ShortFaultTolerance.class)
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class UpstreamFailureCauseTest extends RedisBrokerTest {

    /** A credential granted to the ops caller, pointed at the failing endpoint. */
    private static final String FAILING = "conformance";

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @AfterEach
    void removeFailingCredential() {
        if (credentials.get(FAILING).isPresent()) {
            secrets.remove(FAILING);
            await().until(() -> credentials.get(FAILING).isEmpty());
        }
    }

    @Test
    void aNameThatDoesNotResolveIsNamed() {
        // .invalid never resolves (RFC 6761).
        assertFailure("https://token-broker-test.invalid/ims/token/v3",
                "event=upstream_failed credential=conformance host=token-broker-test.invalid reason=io_error "
                        + "cause=name_not_resolved");
    }

    @Test
    void aRefusedConnectionIsNamed() {
        int closed = RedisProcess.freePort();
        assertFailure("http://127.0.0.1:" + closed + "/ims/token/v3",
                "event=upstream_failed credential=conformance host=127.0.0.1:" + closed + " reason=io_error "
                        + "cause=connection_refused");
    }

    @Test
    void aCertificateOfAnUnknownCaIsNamed() {
        // WireMock's HTTPS port presents its own self-signed certificate, of a CA that nobody trusts.
        WireMockServer tls = new WireMockServer(options().port(RedisProcess.freePort()).httpsPort(RedisProcess.freePort())
                .bindAddress("127.0.0.1"));
        tls.start();
        try {
            tls.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
            assertFailure("https://localhost:" + tls.httpsPort() + "/ims/token/v3",
                    "event=upstream_untrusted credential=conformance host=localhost:" + tls.httpsPort()
                            + " cause=tls_untrusted_certificate");
        } finally {
            tls.stop();
        }
    }

    @Test
    void anErrorStatusIsNamedWithTheHost() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.error(503, "temporarily_unavailable", "maintenance")));
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(503);
        assertThat(logs.lines()).anyMatch(line -> line.contains("event=upstream_unavailable credential=" + Fixtures.CREDENTIAL
                + " host=localhost:" + ims.port() + " cause=status status=503"));
    }

    @Test
    void causesAreToldApart() {
        assertThat(TokenEndpoints.cause(new RuntimeException(new java.net.UnknownHostException("x.invalid"))))
                .isEqualTo("name_not_resolved");
        assertThat(TokenEndpoints.cause(new RuntimeException(new java.net.ConnectException("Connection refused"))))
                .isEqualTo("connection_refused");
        assertThat(TokenEndpoints.cause(new RuntimeException(new javax.net.ssl.SSLHandshakeException("handshake_failure"))))
                .isEqualTo("tls");
        assertThat(TokenEndpoints.cause(new RuntimeException(new java.util.concurrent.TimeoutException())))
                .isEqualTo("timeout");
        assertThat(TokenEndpoints.cause(new RuntimeException("?"))).isEqualTo("other");
    }

    /** Mounts the failing credential, asks for a token of it (503) and finds the line. */
    private void assertFailure(String tokenUrl, String line) {
        Map<String, String> files = new LinkedHashMap<>(Fixtures.adobeAdmin(tokenUrl));
        files.put("client_id", "9a8b7c6d5e4f30211203f4e5d6c7b8a9\n");
        secrets.write(FAILING, files);
        await().until(() -> credentials.get(FAILING).isPresent());
        as(OPS_KEY).queryParam("credential", FAILING).when().get("/tokens").then().statusCode(503);
        assertThat(logs.lines()).as("log lines").anyMatch(l -> l.contains(line));
        assertThat(String.join("\n", logs.lines())).doesNotContain(Fixtures.CLIENT_SECRET);
    }
}
