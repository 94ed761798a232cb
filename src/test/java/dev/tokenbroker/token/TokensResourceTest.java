package dev.tokenbroker.token;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class TokensResourceTest extends RedisBrokerTest {

    @Test
    void returnsImsTokenWithContractFields() {
        JsonPath body = as(BILLING_KEY).queryParam("credential", "adobe-admin").queryParam("scope", "openid,AdobeID")
                .when().get("/tokens")
                .then().statusCode(200)
                .contentType("application/json")
                .header("Cache-Control", "no-store")
                .body("access_token", startsWith("eyJ"))
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", allOf(greaterThan(86390), lessThanOrEqualTo(86399)))
                .body("scope", equalTo("AdobeID openid"))
                .body("credential", equalTo("adobe-admin"))
                .body("client_id", equalTo(Fixtures.CLIENT_ID))
                .body("org_id", equalTo(Fixtures.ORG_ID))
                .body("technical_account_id", equalTo(Fixtures.TECHNICAL_ACCOUNT_ID))
                .extract().jsonPath();
        Instant expiresAt = Instant.parse(body.getString("expires_at"));
        assertThat(Duration.between(Instant.now(), expiresAt).toSeconds()).isBetween(86380L, 86399L);
        ims.verify(1, Ims.tokenRequested()
                .withHeader("Accept", WireMock.equalTo("application/json"))
                .withHeader("Authorization", absent())
                .withFormParam("grant_type", WireMock.equalTo("client_credentials"))
                .withFormParam("client_id", WireMock.equalTo(Fixtures.CLIENT_ID))
                .withFormParam("client_secret", WireMock.equalTo(Fixtures.CLIENT_SECRET))
                .withFormParam("scope", WireMock.equalTo("AdobeID,openid")));
    }

    @Test
    void usesDefaultScopesWhenNoneAreNamed() {
        as(BILLING_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200).body("scope", equalTo("AdobeID openid"));
        ims.verify(1, Ims.tokenRequested().withFormParam("scope", WireMock.equalTo("AdobeID,openid")));
    }

    @Test
    void returnsCachedTokenWithoutCallingIdentityProvider() {
        String first = token(BILLING_KEY, "openid");
        String second = token(BILLING_KEY, "openid");
        String otherCaller = token(OPS_KEY, "openid");
        assertThat(second).isEqualTo(first);
        assertThat(otherCaller).isEqualTo(first);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void equalScopeSetsShareOneTokenAndOneUpstreamCall() {
        String commas = token(BILLING_KEY, "openid,AdobeID");
        String spaces = token(BILLING_KEY, "AdobeID openid");
        String repeated = as(BILLING_KEY).queryParam("credential", "adobe-admin")
                .queryParam("scope", "openid").queryParam("scope", "AdobeID")
                .when().get("/tokens").then().statusCode(200).extract().path("access_token");
        String duplicates = token(BILLING_KEY, " AdobeID, openid ,openid,,AdobeID ");
        assertThat(spaces).isEqualTo(commas);
        assertThat(repeated).isEqualTo(commas);
        assertThat(duplicates).isEqualTo(commas);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);

        String subset = token(BILLING_KEY, "openid");
        assertThat(subset).isNotEqualTo(commas);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        ims.verify(1, Ims.tokenRequested().withFormParam("scope", WireMock.equalTo("openid")));
    }

    @Test
    void remintsWhenCachedTokenNoLongerMeetsMinTtl() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(310)));
        String first = as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "300")
                .when().get("/tokens").then().statusCode(200).extract().path("access_token");
        // Wait until what is left of the cached token falls below the next request's min_ttl.
        await().until(() -> as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "0")
                .when().get("/tokens").then().statusCode(200).extract().<Integer>path("expires_in") < 309);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);

        String second = as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "309")
                .when().get("/tokens").then().statusCode(200)
                .body("expires_in", greaterThan(308)).extract().path("access_token");
        assertThat(second).isNotEqualTo(first);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
    }

    /** Keycloak's default 5-minute tokens: the default min_ttl (300 s) asks at most half of the life. */
    @Test
    void aFiveMinuteTokenIsServedWithoutMinTtlAndThenFromTheCache() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(299)));
        String first = as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200).body("expires_in", lessThanOrEqualTo(299)).extract().path("access_token");
        String second = as(OPS_KEY).queryParam("credential", "adobe-admin").when().get("/tokens")
                .then().statusCode(200).extract().path("access_token");
        assertThat(second).isEqualTo(first);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
        as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "300").when().get("/tokens")
                .then().statusCode(400).body("code", equalTo("invalid_request"));
    }

    @Test
    void minTtlBeyondTheUpstreamLifetimeIsInvalidRequest() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(600)));
        as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "601")
                .when().get("/tokens")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_request"));
        // Known now: the next such request is answered without asking upstream again.
        as(OPS_KEY).queryParam("credential", "adobe-admin").queryParam("min_ttl", "601")
                .when().get("/tokens").then().statusCode(400).body("code", equalTo("invalid_request"));
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    @Test
    void demoTokenEndpointDoesNotExistOutsideTheDemoBuild() {
        io.restassured.RestAssured.given().contentType("application/x-www-form-urlencoded")
                .formParam("grant_type", "client_credentials")
                .formParam("client_id", "demo-client-id").formParam("client_secret", "demo-client-secret")
                .when().post("/demo/ims/token/v3")
                .then().statusCode(404).contentType("application/problem+json");
    }

    static String token(String key, String scope) {
        return as(key).queryParam("credential", "adobe-admin").queryParam("scope", scope)
                .when().get("/tokens").then().statusCode(200).extract().path("access_token");
    }
}
