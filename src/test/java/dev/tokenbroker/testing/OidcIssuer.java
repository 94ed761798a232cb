package dev.tokenbroker.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Another cluster's ServiceAccount token issuer as EKS, GKE and AKS publish one: an https issuer URL (WireMock, with a
 * certificate from a private {@link TestCa} that only {@link #caFile()} names) serving the OpenID discovery document at
 * {@code <issuer>/.well-known/openid-configuration} and, at its {@code jwks_uri}, the {@link #cluster()}'s keys. It
 * answers anyone, with or without a bearer, as those public endpoints do; {@link #requestsWithAuthorization()} counts
 * requests that carried one anyway.
 */
public final class OidcIssuer {

    public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    public static final String JWKS_PATH = "/keys";

    private final WireMockServer server;
    private final Path caFile;
    private final Cluster cluster;

    private OidcIssuer(WireMockServer server, Path caFile) {
        this.server = server;
        this.caFile = caFile;
        this.cluster = new Cluster(new Host(), issuer());
        serveDiscovery();
    }

    /** Starts an issuer on a free port, its certificate issued by a CA of its own. */
    public static OidcIssuer start() {
        try {
            Path dir = Files.createTempDirectory("token-broker-oidc");
            TestCa ca = TestCa.create("OIDC issuer test CA");
            String password = "wiremock-keystore";
            Path keyStore = ca.issueForLocalhost("oidc.private.example").writePkcs12(dir.resolve("oidc.p12"), password);
            WireMockServer server = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort().bindAddress("127.0.0.1")
                    .keystorePath(keyStore.toString()).keystoreType("PKCS12").keystorePassword(password)
                    .keyManagerPassword(password));
            server.start();
            Path caFile = dir.resolve("ca.crt");
            Files.writeString(caFile, ca.pem());
            return new OidcIssuer(server, caFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The issuer URL, which is also the {@code iss} of its tokens. */
    public String issuer() {
        return "https://localhost:" + server.httpsPort() + "/id/east";
    }

    /** The CA (PEM) that signed its certificate. */
    public Path caFile() {
        return caFile;
    }

    /** Its ServiceAccount tokens and keys. */
    public Cluster cluster() {
        return cluster;
    }

    /** Serves a good discovery document, naming the issuer and its https {@code jwks_uri}. */
    public void serveDiscovery() {
        serveDiscovery(200, """
                {"issuer":"%s","jwks_uri":"https://localhost:%d/id/east%s","response_types_supported":["id_token"],
                 "subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256","ES256"]}
                """.formatted(issuer(), server.httpsPort(), JWKS_PATH));
    }

    /** Serves this answer at the discovery document's place instead. */
    public void serveDiscovery(int status, String body) {
        server.stubFor(get(urlPathEqualTo("/id/east" + DISCOVERY_PATH))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** Reads of the discovery document. */
    public int discoveryReads() {
        return server.countRequestsMatching(getRequestedFor(urlPathEqualTo("/id/east" + DISCOVERY_PATH)).build()).getCount();
    }

    /** Requests of any kind that carried an {@code Authorization} header. */
    public int requestsWithAuthorization() {
        return server.countRequestsMatching(anyRequestedFor(anyUrl()).withHeader("Authorization", WireMock.matching(".*"))
                .build()).getCount();
    }

    public void stop() {
        server.stop();
    }

    /** The JWKS at the discovery document's {@code jwks_uri}. */
    private final class Host implements Cluster.JwksHost {
        @Override
        public void publish(String jwksJson) {
            server.stubFor(get(urlPathEqualTo("/id/east" + JWKS_PATH)).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/jwk-set+json").withBody(jwksJson)));
        }

        @Override
        public int reads() {
            return server.countRequestsMatching(getRequestedFor(urlPathEqualTo("/id/east" + JWKS_PATH)).build()).getCount();
        }
    }
}
