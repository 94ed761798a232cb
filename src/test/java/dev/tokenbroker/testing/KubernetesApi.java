package dev.tokenbroker.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * A Kubernetes API server's stand-in: fabric8's mock server in CRUD mode (objects are stored, listed, watched and
 * patched as the API server does; the status subresource as the CRD declares it), on a dynamic loopback port. No
 * real API server can run in these tests. The TokenGrant CRD is the chart's own file. It can go away and come back
 * on the same port with its objects, to drop every watch as an API server restart does.
 */
public final class KubernetesApi implements AutoCloseable {

    /** The chart's CustomResourceDefinition of TokenGrant. */
    public static final Path TOKEN_GRANT_CRD = Path.of("helm/token-broker/files/tokengrants.tokenbroker.dev.yaml");

    private final KubernetesCrudDispatcher objects = new KubernetesCrudDispatcher();
    private final int port;
    private volatile KubernetesMockServer server;
    private final KubernetesClient client;

    public KubernetesApi() {
        server = serving(0);
        port = server.getPort();
        client = server.createClient();
        try (InputStream crd = Files.newInputStream(TOKEN_GRANT_CRD)) {
            client.resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KubernetesMockServer serving(int at) {
        KubernetesMockServer mock = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), objects, false);
        mock.init(InetAddress.getLoopbackAddress(), at);
        return mock;
    }

    /** The API server's URL, for the broker's client. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** A client of the test's own (as a team's kubectl), not the broker's. */
    public KubernetesClient client() {
        return client;
    }

    /** Stops answering: every watch is dropped and every request fails until {@link #restart()}. */
    public synchronized void stop() {
        server.destroy();
    }

    /** Answers again on the same port, with the objects it held. */
    public synchronized void restart() {
        server = serving(port);
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
