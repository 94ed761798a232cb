package dev.tokenbroker.upstream;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token's true life (contract section 4): the earliest of {@code expires_in} and a JWT access token's {@code exp},
 * that {@code exp} moved onto the broker's clock by the token endpoint's clock offset (its {@code Date} header, also
 * the gauge {@code tokenbroker.upstream.clock.offset}); without {@code expires_in}, the JWT's {@code exp} or the
 * credential's {@code default_lifetime}. Margins: a few seconds each way, for the time a test's steps take; the
 * wrong answers are minutes away.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
class TokenLifetimeTest extends BrokerTest {

    private static final int MARGIN = 30;
    private static final byte[] SIGNING_KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(SIGNING_KEY);
    }

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Inject
    MeterRegistry meters;

    @Inject
    ClockOffsets offsets;

    /** One answer with the true date, so that the endpoint's offset is this machine's again for the next test. */
    @AfterEach
    void clockBackInStep() {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399).withHeader("Date", httpDate(Instant.now()))));
        localCache.clear();
        getToken("AdobeID").statusCode(200);
        assertThat(offsetSeconds()).isBetween(-MARGIN * 1.0, 1.0);
    }

    @Test
    void jwtExpiryOfAProviderWhoseClockIsAheadIsMovedOntoTheBrokersClock() {
        Instant providerNow = Instant.now().plus(Duration.ofMinutes(5));
        String jwt = jwt(providerNow.plus(Duration.ofMinutes(10)));
        answer(providerNow, "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":86399}");

        getToken("openid").statusCode(200).body("expires_in", allOf(greaterThan(600 - MARGIN), lessThanOrEqualTo(600)));

        assertThat(offsetSeconds()).as("tokenbroker.upstream.clock.offset").isBetween(300.0 - MARGIN, 300.0);
        assertThat(logs.messages("dev.tokenbroker.upstream.ClockOffsets")).anySatisfy(line -> assertThat(line)
                .matches("event=upstream_clock_skew credential=adobe-admin host=localhost:[0-9]+ offset_seconds=(2[7-9][0-9]|300) .*"));
        assertThat(logs.lines()).noneMatch(line -> line.contains(jwt) || line.contains(jwt.substring(jwt.lastIndexOf('.') + 1)));
    }

    @Test
    void jwtExpiryShorterThanExpiresInIsTheTokensLife() {
        String jwt = jwt(Instant.now().plus(Duration.ofMinutes(10)));
        answer(Instant.now(), "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":86399}");

        getToken("openid").statusCode(200).body("expires_in", allOf(greaterThan(600 - MARGIN), lessThanOrEqualTo(600)));
        // min_ttl is held against the true lifetime, not the 86399 s the answer claimed
        getToken("openid", "3600").statusCode(400).body("code", equalTo("invalid_request"));
        assertThat(logs.lines()).noneMatch(line -> line.contains(jwt));
    }

    @Test
    void expiresInShorterThanTheJwtExpiryIsTheTokensLife() {
        answer(Instant.now(), "{\"access_token\":\"" + jwt(Instant.now().plus(Duration.ofHours(2)))
                + "\",\"token_type\":\"Bearer\",\"expires_in\":1800}");

        getToken("openid").statusCode(200).body("expires_in", allOf(greaterThan(1800 - MARGIN), lessThanOrEqualTo(1800)));
    }

    @Test
    void withoutExpiresInTheDefaultLifetimeStandsIn() {
        useDefaultLifetime("45m");
        answer(Instant.now(), "{\"access_token\":\"opaque-token-0123456789\",\"token_type\":\"Bearer\"}");

        getToken("openid").statusCode(200).body("expires_in", allOf(greaterThan(2700 - MARGIN), lessThanOrEqualTo(2700)));
    }

    @Test
    void withoutExpiresInAJwtExpiryStandsIn() {
        answer(Instant.now(), "{\"access_token\":\"" + jwt(Instant.now().plus(Duration.ofMinutes(20)))
                + "\",\"token_type\":\"Bearer\"}");

        getToken("openid").statusCode(200).body("expires_in", allOf(greaterThan(1200 - MARGIN), lessThanOrEqualTo(1200)));
    }

    @Test
    void withoutExpiresInDefaultLifetimeOrJwtExpiryTheAnswerIsMalformed() {
        answer(Instant.now(), "{\"access_token\":\"opaque-token-0123456789\",\"token_type\":\"Bearer\"}");

        getToken("openid").statusCode(503).body("code", equalTo("upstream_unavailable"))
                .body("detail", equalTo("The identity provider cannot be reached now (invalid_response); try again later."));
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenResponseReader")).anySatisfy(line -> assertThat(line)
                .startsWith("event=upstream_invalid_response credential=adobe-admin host=localhost:" + ims.port()
                        + " status=200 problem=\"expires_in "
                        + "missing, and neither a JWT exp nor the credential's default_lifetime stands in\""));
        assertThat(logs.lines()).noneMatch(line -> line.contains("opaque-token-0123456789"));
    }

    @Test
    void jwtThatHasAlreadyExpiredOnTheBrokersClockIsMalformed() {
        Instant providerNow = Instant.now().plus(Duration.ofMinutes(30));
        answer(providerNow, "{\"access_token\":\"" + jwt(providerNow.minus(Duration.ofMinutes(40)))
                + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");

        getToken("openid").statusCode(503).body("code", equalTo("upstream_unavailable"));
        assertThat(logs.messages("dev.tokenbroker.upstream.TokenResponseReader")).anySatisfy(line -> assertThat(line)
                .matches("event=upstream_invalid_response credential=adobe-admin host=localhost:" + ims.port()
                        + " status=200 problem=\"lifetime -[0-9]+ s "
                        + "\\(jwt_exp\\) not within 1..604800 \\(tokenbroker.upstream.max-token-lifetime\\)\".*"));
    }

    private void useDefaultLifetime(String value) {
        secrets.update(Fixtures.CREDENTIAL, "default_lifetime", value);
        await().until(() -> credentials.get(Fixtures.CREDENTIAL).flatMap(c -> c.defaultLifetime()).isPresent());
    }

    private void answer(Instant providerNow, String body) {
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(json(body).withHeader("Date", httpDate(providerNow))));
        localCache.clear();
    }

    private double offsetSeconds() {
        return meters.get("tokenbroker.upstream.clock.offset").tag("credential", Fixtures.CREDENTIAL).gauge().value();
    }

    private static ResponseDefinitionBuilder json(String body) {
        return WireMock.aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String httpDate(Instant at) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
    }

    /** An access token as Okta or Entra ID issue them: a signed JWT with an {@code exp} on the provider's clock. */
    private static String jwt(Instant exp) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
                    .issuer("https://idp.example.com").subject(Fixtures.CLIENT_ID).audience("api://example")
                    .issueTime(Date.from(exp.minus(Duration.ofMinutes(10)))).expirationTime(Date.from(exp.truncatedTo(ChronoUnit.SECONDS)))
                    .build());
            jwt.sign(new MACSigner(SIGNING_KEY));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ValidatableResponse getToken(String scope) {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", scope).when().get("/tokens").then();
    }

    private static ValidatableResponse getToken(String scope, String minTtl) {
        return as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", scope)
                .queryParam("min_ttl", minTtl).when().get("/tokens").then();
    }
}
