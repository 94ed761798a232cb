package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.credential.ClientAuth;
import dev.tokenbroker.testing.ClientKeys;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.MutualTlsEndpoint;
import dev.tokenbroker.testing.PrivateIdentityProviderResource;
import dev.tokenbroker.testing.PrivateUpstreamBrokerTest;
import dev.tokenbroker.testing.TestCa;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tls_client_auth} through real TLS handshakes with a server that requires a client certificate of its CA:
 * the configured certificate is presented; after the Secret's files are swapped as the kubelet swaps them, the
 * next mint presents the renewed one, without a restart and without dropping the cached token.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(PrivateIdentityProviderResource.class)
class MutualTlsTest extends PrivateUpstreamBrokerTest {

    private static MutualTlsEndpoint endpoint;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @BeforeAll
    static void startEndpoint() {
        endpoint = new MutualTlsEndpoint();
    }

    @AfterAll
    static void stopEndpoint() {
        endpoint.close();
    }

    @Test
    void presentsTheConfiguredCertificateAndARenewedOneFromTheNextMint() {
        TestCa.Issued first = endpoint.clientCa().issueClient("broker-first", TestCa.ecKeys("secp256r1"));
        mount(first);
        int before = endpoint.seen().size();

        String token = tokenFor(IDP_A).statusCode(200).extract().path("access_token");

        MutualTlsEndpoint.Seen seen = endpoint.seen().get(before);
        assertThat(seen.clientCertificate().getSerialNumber()).isEqualTo(first.serial());
        assertThat(seen.clientCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=broker-first");
        assertThat(seen.form()).containsEntry("client_id", ClientKeys.CLIENT_ID)
                .containsEntry("grant_type", "client_credentials")
                .doesNotContainKeys("client_secret", "client_assertion");

        TestCa.Issued renewed = endpoint.clientCa().issueClient("broker-renewed", TestCa.rsaKeys(2048));
        mount(renewed);
        assertThat(tokenFor(IDP_A).statusCode(200).extract().<String>path("access_token"))
                .as("a renewed certificate keeps the cached token").isEqualTo(token);
        localCache.clear();
        tokenFor(IDP_A).statusCode(200);

        X509Certificate presented = endpoint.seen().get(endpoint.seen().size() - 1).clientCertificate();
        assertThat(presented.getSerialNumber()).isEqualTo(renewed.serial());
        assertThat(presented.getSubjectX500Principal().getName()).isEqualTo("CN=broker-renewed");
        assertThat(endpoint.seen()).hasSize(before + 2);
        assertThat(logs.lines()).allSatisfy(line -> {
            assertThat(line).doesNotContain("-----BEGIN");
            ClientKeys.pemBodyLines(first.keyPem()).forEach(body -> assertThat(line).doesNotContain(body));
            ClientKeys.pemBodyLines(renewed.keyPem()).forEach(body -> assertThat(line).doesNotContain(body));
        });
    }

    @Test
    void certificateOfAnotherCaIsRefusedByTheServer() {
        mount(TestCa.create("unknown CA").issueClient("stranger", TestCa.ecKeys("secp256r1")));
        int before = endpoint.seen().size();

        tokenFor(IDP_A).statusCode(503);

        assertThat(endpoint.seen()).as("no request got through the handshake").hasSize(before);
    }

    /** Mounts {@code idp-a} as a {@code kubernetes.io/tls} Secret does: {@code tls.key}, {@code tls.crt}, {@code ca.crt}. */
    private void mount(TestCa.Issued issued) {
        Map<String, String> files = new LinkedHashMap<>(ClientKeys.credential(endpoint.tokenUrl(), "tls_client_auth",
                "unused", Optional.empty(), Optional.of(endpoint.serverCa().pem())));
        files.remove("private_key");
        files.put("tls.key", issued.keyPem());
        files.put("tls.crt", issued.certificatePem());
        secrets.write(IDP_A, files);
        await().until(() -> credentials.get(IDP_A)
                .filter(c -> c.clientAuth() instanceof ClientAuth.TlsClientAuth tls
                        && tls.key().certificate().equals(Optional.of(issued.certificate())))
                .isPresent());
    }
}
