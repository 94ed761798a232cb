package dev.tokenbroker.deploy;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.tokenbroker.testing.BrokerProcess;
import dev.tokenbroker.testing.FleetSettings;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.RawHttp;
import dev.tokenbroker.testing.ServerTls;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.restassured.path.json.JsonPath;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged broker started with the environment the chart's default values render (ci/rendered/default-values.yaml)
 * and a certificate of the kind the chart generates at install (RSA 2048 CA and certificate, PKCS#1 key, the
 * Service's names): it serves HTTPS only, on both ports, and its readiness answer names no credential. Only what
 * points into the cluster is replaced: the mounted files' paths, the ports, and the allowed token endpoint host
 * (the test's identity provider is on localhost, not Adobe IMS).
 */
public class DefaultChartBrokerIT {

    private static WireMockServer ims;
    private static ServerTls tls;
    private static BrokerProcess broker;

    /** The broker container's environment in the default render, as name and value (none come from Secrets). */
    static Map<String, String> defaultEnvironment() {
        Deployment deployment = RenderedManifests.typed(
                RenderedManifests.first(RenderedManifests.RENDERED.resolve("default-values.yaml"), "Deployment"), Deployment.class);
        Map<String, String> environment = new LinkedHashMap<>();
        for (EnvVar env : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
            assertThat(env.getValueFrom()).as(env.getName()).isNull();
            environment.put(env.getName(), env.getValue());
        }
        return environment;
    }

    @BeforeAll
    static void startBroker() {
        ims = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").globalTemplating(true));
        ims.start();
        Ims.issuesTokens(ims, 86399);
        tls = ServerTls.generatedByTheChart("token-broker", "token-broker");
        Map<String, String> settings = FleetSettings.inProcess("http://localhost:" + ims.port() + Fixtures.TOKEN_PATH);
        settings.put("tokenbroker.upstream.allowed-hosts", "localhost");
        broker = BrokerProcess.start("default-chart", settings, port -> {
            Map<String, String> environment = defaultEnvironment();
            assertThat(environment).containsKeys("QUARKUS_TLS__API__KEY_STORE_PEM__0__CERT", "QUARKUS_TLS__API__KEY_STORE_PEM__0__KEY",
                    "QUARKUS_HTTP_SSL_PORT", "TOKENBROKER_UPSTREAM_ALLOWED_HOSTS");
            environment.put("QUARKUS_TLS__API__KEY_STORE_PEM__0__CERT", tls.certificateFile().toString());
            environment.put("QUARKUS_TLS__API__KEY_STORE_PEM__0__KEY", tls.keyFile().toString());
            environment.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(port));
            environment.remove("TOKENBROKER_CREDENTIALS_DIR");
            environment.remove("TOKENBROKER_CALLERS_FILE");
            environment.remove("QUARKUS_HTTP_PORT");
            environment.remove("QUARKUS_MANAGEMENT_PORT");
            return environment;
        }, tls.ca().clientContext());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.stop();
        }
        if (ims != null) {
            ims.stop();
        }
    }

    @Test
    void servesTokensOverHttpsWithTheGeneratedKindOfCertificate() throws Exception {
        HttpResponse<String> response = broker.http().send(HttpRequest.newBuilder(broker.uri("/tokens?credential=adobe-admin"))
                .header("Authorization", "Bearer " + Fixtures.OPS_KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.uri().getScheme()).isEqualTo("https");

        X509Certificate presented = tls.presentedCertificate(broker.port());
        assertThat(presented.getPublicKey()).isInstanceOfSatisfying(RSAPublicKey.class,
                key -> assertThat(key.getModulus().bitLength()).isEqualTo(2048));
        assertThat(presented.getSubjectX500Principal().getName()).isEqualTo("CN=token-broker.token-broker.svc");
        assertThat(presented.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))))
                .contains("token-broker.token-broker.svc", "token-broker.token-broker.svc.cluster.local");
        assertThat(tls.current().keyPem()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(tls.presentedCertificate(broker.managementPort())).isEqualTo(presented);
    }

    @Test
    void plainHttpGetsNoHttpAnswerOnEitherPort() throws Exception {
        assertThat(RawHttp.unparsed(broker.port(), "/ping")).doesNotStartWith("HTTP/");
        assertThat(RawHttp.unparsed(broker.managementPort(), "/q/health/ready")).doesNotStartWith("HTTP/");
    }

    @Test
    void readinessOnTheManagementPortNamesNoCredential() throws Exception {
        HttpResponse<String> ready = broker.http().send(HttpRequest.newBuilder(broker.managementUri("/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(JsonPath.from(ready.body()).getInt("checks[0].data.credentials")).isEqualTo(1);
        assertThat(ready.body()).doesNotContain(Fixtures.CREDENTIAL);
    }
}
