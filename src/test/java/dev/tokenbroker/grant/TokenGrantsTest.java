package dev.tokenbroker.grant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesApi;
import dev.tokenbroker.testing.KubernetesApiResource;
import dev.tokenbroker.testing.KubernetesJwksResource;
import dev.tokenbroker.testing.ServiceAccountBrokerTest;
import dev.tokenbroker.testing.TestDependency;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.MeterRegistry;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Self-service TokenGrant objects (docs/configuration.md, Grants for many teams), end to end: the objects live in
 * fabric8's mock API server in CRUD mode (no real API server can run here), the broker watches them with its
 * informer, writes their status through the status subresource, and serves real ServiceAccount tokens on GET /tokens
 * by what they grant, within the bounds of the callers file.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(KubernetesJwksResource.class)
@WithTestResource(KubernetesApiResource.class)
class TokenGrantsTest extends ServiceAccountBrokerTest {

    /** The platform's bounds: team namespaces may reach two scopes of adobe-admin, and a credential not loaded. */
    static final String BOUNDS = """
            bounds:
              - namespaces: ["team-*", payments]
                grants:
                  - credential: adobe-admin
                    scopes: [openid, AdobeID]
                  - credential: vault-reader
                    scopes: ["*"]
            """;

    @TestDependency
    KubernetesApi api;

    @Inject
    TokenGrants grants;

    @Inject
    MeterRegistry meters;

    @BeforeEach
    void platformSetsBounds() throws Exception {
        Files.writeString(callersFile, Fixtures.callersYaml() + BOUNDS);
        await().until(() -> !callers.policy().bounds().bounds().isEmpty());
    }

    @AfterEach
    void deleteTokenGrants() {
        api.client().resources(TokenGrant.class).inAnyNamespace().delete();
        await().until(() -> grants.size() == 0);
    }

    @Test
    void aTokenGrantWithinBoundsServesItsServiceAccountOnGetTokens() {
        create("team-a", "builder-adobe", "builder", "adobe-admin", "openid");

        Condition accepted = awaitCondition("team-a", "builder-adobe", "WithinBounds");
        assertThat(accepted.getStatus()).isEqualTo("True");
        assertThat(accepted.getMessage()).contains("team-a/builder", "adobe-admin");
        await().untilAsserted(() -> as(cluster.token("team-a/builder").sign())
                .queryParam("credential", "adobe-admin").queryParam("scope", "openid")
                .when().get("/tokens")
                .then().statusCode(200).body("scope", equalTo("openid")));
        // Only what the object grants: AdobeID is within the bounds, but this object does not ask for it.
        as(cluster.token("team-a/builder").sign()).queryParam("credential", "adobe-admin").queryParam("scope", "AdobeID")
                .when().get("/tokens").then().statusCode(403);
        // Another ServiceAccount of the namespace is not granted.
        as(cluster.token("team-a/other").sign()).queryParam("credential", "adobe-admin")
                .when().get("/tokens").then().statusCode(401);
    }

    @Test
    void everyServiceAccountOfTheNamespaceWithStar() {
        create("team-b", "all", "*", "adobe-admin", "AdobeID");

        awaitCondition("team-b", "all", "WithinBounds");
        for (String account : List.of("team-b/one", "team-b/two")) {
            await().untilAsserted(() -> as(cluster.token(account).sign())
                    .queryParam("credential", "adobe-admin").queryParam("scope", "AdobeID")
                    .when().get("/tokens").then().statusCode(200));
        }
        as(cluster.token("team-c/one").sign()).queryParam("credential", "adobe-admin").queryParam("scope", "AdobeID")
                .when().get("/tokens").then().statusCode(401);
    }

    @Test
    void aTokenGrantOutsideItsNamespacesBoundsGrantsNothingAndSaysWhy() {
        create("team-a", "too-wide", "builder", "adobe-admin", "openid", "user_management_sdk");
        create("elsewhere", "no-bounds", "builder", "adobe-admin", "openid");

        Condition tooWide = awaitCondition("team-a", "too-wide", "OutsideBounds");
        assertThat(tooWide.getStatus()).isEqualTo("False");
        assertThat(tooWide.getMessage()).contains("scopes beyond", "team-a");
        assertThat(awaitCondition("elsewhere", "no-bounds", "OutsideBounds").getMessage())
                .contains("do not reach credential adobe-admin");
        await().untilAsserted(() -> assertThat(meters.get("tokenbroker.tokengrants").tag("reason", "OutsideBounds")
                .gauge().value()).isEqualTo(2));
        assertThat(meters.get("tokenbroker.tokengrants").tag("reason", "WithinBounds").gauge().value()).isZero();
        for (String account : List.of("team-a/builder", "elsewhere/builder")) {
            as(cluster.token(account).sign()).queryParam("credential", "adobe-admin").queryParam("scope", "openid")
                    .when().get("/tokens").then().statusCode(401);
        }
    }

    @Test
    void aTokenGrantNamingACredentialNotLoadedGrantsNothingAndSaysWhy() {
        create("team-a", "vault", "builder", "vault-reader", "read");

        Condition unknown = awaitCondition("team-a", "vault", "UnknownCredential");
        assertThat(unknown.getStatus()).isEqualTo("False");
        assertThat(unknown.getMessage()).contains("vault-reader");
        assertThat(grants.verdict("team-a", "vault")).map(Verdict::accepted).contains(false);
    }

    @Test
    void anInvalidTokenGrantSaysSo() {
        // The CRD's schema keeps most mistakes out; "*" among the scopes with nothing the bounds allow for it is not.
        create("team-a", "all-scopes", "builder", "adobe-admin", "*");

        assertThat(awaitCondition("team-a", "all-scopes", "OutsideBounds").getStatus()).isEqualTo("False");
        TokenGrant invalid = tokenGrant("team-a", "blank-scope", "builder", "adobe-admin", " ");
        api.client().resource(invalid).create();
        assertThat(awaitCondition("team-a", "blank-scope", "Invalid").getMessage()).contains("spec.scopes");
    }

    @Test
    void aChangedTokenGrantIsReviewedAgainAndADeletedOneGrantsNothing() {
        create("team-a", "changing", "builder", "adobe-admin", "openid");
        awaitCondition("team-a", "changing", "WithinBounds");
        await().untilAsserted(() -> builderGets("openid", 200));

        api.client().resources(TokenGrant.class).inNamespace("team-a").withName("changing")
                .edit(g -> tokenGrant("team-a", "changing", "builder", "adobe-admin", "AdobeID", "user_management_sdk"));
        awaitCondition("team-a", "changing", "OutsideBounds");
        await().untilAsserted(() -> builderGets("openid", 401));

        api.client().resources(TokenGrant.class).inNamespace("team-a").withName("changing")
                .edit(g -> tokenGrant("team-a", "changing", "builder", "adobe-admin", "AdobeID"));
        awaitCondition("team-a", "changing", "WithinBounds");
        await().untilAsserted(() -> builderGets("AdobeID", 200));
        builderGets("openid", 403);

        api.client().resources(TokenGrant.class).inNamespace("team-a").withName("changing").delete();
        await().untilAsserted(() -> builderGets("AdobeID", 401));
        assertThat(grants.verdict("team-a", "changing")).isEmpty();
    }

    @Test
    void changedBoundsReviewEveryTokenGrantAndAnUnchangedVerdictIsNotWrittenAgain() throws Exception {
        create("team-a", "bounded", "builder", "adobe-admin", "openid");
        awaitCondition("team-a", "bounded", "WithinBounds");
        String written = object("team-a", "bounded").getMetadata().getResourceVersion();

        // Bounds that change, but not for this object: reviewed again, same verdict, status left alone.
        Files.writeString(callersFile, Fixtures.callersYaml() + BOUNDS + """
                  - namespaces: [reports]
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                """);
        await().until(() -> callers.policy().bounds().bounds().size() == 2);
        create("team-a", "marker", "builder", "adobe-admin", "openid"); // reviewed after the bounds changed
        awaitCondition("team-a", "marker", "WithinBounds");
        assertThat(object("team-a", "bounded").getMetadata().getResourceVersion()).isEqualTo(written);

        // Bounds that no longer reach it.
        Files.writeString(callersFile, Fixtures.callersYaml());
        awaitCondition("team-a", "bounded", "OutsideBounds");
        await().untilAsserted(() -> builderGets("openid", 401));
    }

    @Test
    void aServiceAccountNamedInTheCallersFileKeepsItsEntryThere() {
        // payments/billing has openid and AdobeID of adobe-admin in the callers file; a TokenGrant cannot change that.
        create("payments", "billing-more", "billing", "adobe-admin", "openid");
        create("payments", "billing-all", "*", "adobe-admin", "AdobeID");

        awaitCondition("payments", "billing-more", "WithinBounds");
        awaitCondition("payments", "billing-all", "WithinBounds");
        as(cluster.token(Fixtures.PAYMENTS_SERVICE_ACCOUNT).sign()).queryParam("credential", "adobe-admin")
                .when().get("/tokens").then().statusCode(200).body("scope", equalTo("AdobeID openid"));
        assertThat(callers.policy().byServiceAccount(Fixtures.PAYMENTS_SERVICE_ACCOUNT)).map(c -> c.name())
                .contains("payments");
        await().untilAsserted(() -> as(cluster.token("payments/other").sign()).queryParam("credential", "adobe-admin")
                .queryParam("scope", "AdobeID").when().get("/tokens").then().statusCode(200));
    }

    @Test
    void aDroppedWatchIsResumedAndTheLastKnownGrantsServeMeanwhile() {
        create("team-a", "survivor", "builder", "adobe-admin", "openid");
        awaitCondition("team-a", "survivor", "WithinBounds");
        await().untilAsserted(() -> builderGets("openid", 200));

        api.stop();
        try {
            localCache.clear();
            builderGets("openid", 200); // the API server is gone; the grant it gave stays
        } finally {
            api.restart();
        }
        api.client().resources(TokenGrant.class).inNamespace("team-a").withName("survivor")
                .edit(g -> tokenGrant("team-a", "survivor", "builder", "adobe-admin", "AdobeID"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> builderGets("AdobeID", 200));
        awaitCondition("team-a", "survivor", "WithinBounds");
        builderGets("openid", 403);
    }

    private void builderGets(String scope, int status) {
        as(cluster.token("team-a/builder").sign()).queryParam("credential", "adobe-admin").queryParam("scope", scope)
                .when().get("/tokens").then().statusCode(status);
    }

    private void create(String namespace, String name, String serviceAccount, String credential, String... scopes) {
        api.client().resource(tokenGrant(namespace, name, serviceAccount, credential, scopes)).create();
    }

    static TokenGrant tokenGrant(String namespace, String name, String serviceAccount, String credential, String... scopes) {
        TokenGrant grant = new TokenGrant();
        grant.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
        grant.setSpec(new TokenGrant.Spec(serviceAccount, credential, List.of(scopes)));
        return grant;
    }

    private TokenGrant object(String namespace, String name) {
        return api.client().resources(TokenGrant.class).inNamespace(namespace).withName(name).get();
    }

    /** The object's Accepted condition once it has this reason, as a team's kubectl would read it. */
    private Condition awaitCondition(String namespace, String name, String reason) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> Optional.ofNullable(object(namespace, name))
                .map(TokenGrant::getStatus).map(TokenGrant.Status::conditions).orElse(List.of()).stream()
                .filter(c -> c.getType().equals("Accepted") && reason.equals(c.getReason())).findFirst(),
                Optional::isPresent).orElseThrow();
    }
}
