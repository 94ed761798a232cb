package dev.tokenbroker.testing;

import dev.tokenbroker.caller.JwksStore;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;

/**
 * A {@link BrokerTest} whose broker also trusts a {@link Cluster}'s ServiceAccount tokens (its test resources
 * include {@link KubernetesJwksResource}). A test that rotates the cluster's keys gets the original keys back
 * afterwards, read by the broker, so the next test starts from them.
 */
public abstract class ServiceAccountBrokerTest extends BrokerTest {

    @TestDependency
    protected Cluster cluster;

    @Inject
    protected JwksStore jwks;

    @AfterEach
    void restoreClusterKeys() {
        if (jwks.size() != 2 || !jwks.has(cluster.rsa.getKeyID()) || !jwks.has(cluster.ec.getKeyID())) {
            cluster.publishDefaultKeys();
            jwks.refresh("test");
        }
    }
}
