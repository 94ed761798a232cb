package dev.tokenbroker.caller;

import static dev.tokenbroker.testing.Fixtures.PAYMENTS_SERVICE_ACCOUNT;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.JWK;
import dev.tokenbroker.testing.Cluster;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.Problems;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cluster's JWKS as a file ({@code file:} URL), as when it is mounted or copied with {@code kubectl get --raw}. */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(value = KubernetesJwksResource.class, initArgs = @ResourceArg(name = "source", value = "file"))
class FileJwksTest extends ServiceAccountBrokerTest {

    @Test
    void serviceAccountTokenCheckedAgainstAJwksFileGetsAToken() {
        for (JWK key : new JWK[] {cluster.rsa, cluster.ec}) {
            as(cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(key).sign())
                    .queryParam("credential", "adobe-admin").when().get("/tokens").then().statusCode(200);
        }
    }

    @Test
    void rotatedKeysInTheFileAreFollowed() {
        String old = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(cluster.rsa).sign();
        JWK next = Cluster.rsaKey("rsa-2");
        cluster.publish(cluster.ec, next);
        String fresh = cluster.token(PAYMENTS_SERVICE_ACCOUNT).signedWith(next).sign();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                as(fresh).queryParam("credential", "adobe-admin").when().get("/tokens").statusCode() == 200);
        Problems.get(as(old), "/tokens?credential=adobe-admin", 401, "unauthenticated");
    }
}
