package dev.tokenbroker.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * A stand-in for a cluster's ServiceAccount token issuer, as an identity provider outside the cluster sees it: a
 * loopback server publishing OpenID discovery at {@code <issuer>/.well-known/openid-configuration} and, at its
 * {@code jwks_uri} ({@code <issuer>/openid/v1/jwks}, where the kube-apiserver serves it), the {@link #cluster()}'s keys,
 * whose tokens are shaped like projected ones ({@code iss}, {@code sub system:serviceaccount:<ns>:<sa>}, {@code aud},
 * {@code iat}, {@code nbf}, {@code exp} and the {@code kubernetes.io} claim). Plain http on 127.0.0.1: Keycloak accepts
 * that for an issuer on a local address, since a realm's default {@code sslRequired} is {@code external}.
 */
public final class ClusterIssuer implements AutoCloseable {

    private static final String PREFIX = "/cluster";
    private final WireMockServer server;
    private final Cluster cluster;

    private ClusterIssuer(WireMockServer server) {
        this.server = server;
        this.cluster = new Cluster(new Host(), issuer());
        server.stubFor(get(urlPathEqualTo(PREFIX + OidcIssuer.DISCOVERY_PATH)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"issuer":"%1$s","jwks_uri":"%1$s%2$s","response_types_supported":["id_token"],
                         "subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}
                        """.formatted(issuer(), Cluster.JWKS_PATH))));
    }

    /** Starts on a free loopback port. */
    public static ClusterIssuer start() {
        WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        return new ClusterIssuer(server);
    }

    /** The issuer URL: the {@code iss} of its tokens, and what the identity provider is configured with. */
    public String issuer() {
        return "http://127.0.0.1:" + server.port() + PREFIX;
    }

    /** Its keys and tokens. */
    public Cluster cluster() {
        return cluster;
    }

    @Override
    public void close() {
        server.stop();
    }

    private final class Host implements Cluster.JwksHost {
        @Override
        public void publish(String jwksJson) {
            server.stubFor(get(urlPathEqualTo(PREFIX + Cluster.JWKS_PATH)).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/jwk-set+json").withBody(jwksJson)));
        }

        @Override
        public int reads() {
            return server.countRequestsMatching(getRequestedFor(urlPathEqualTo(PREFIX + Cluster.JWKS_PATH)).build())
                    .getCount();
        }
    }
}
