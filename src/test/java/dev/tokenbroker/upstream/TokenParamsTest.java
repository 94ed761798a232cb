package dev.tokenbroker.upstream;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import dev.tokenbroker.token.ScopeSet;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A credential's {@code token_params} (contract sections 1 and 4): sent with every token request besides the broker's
 * own fields, repeats in order, values decoded; names the broker sets itself make the credential invalid; a change
 * drops its cached tokens, and two credentials that differ only in audience never share a token, also through Redis.
 * Values never reach a log line.
 */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class TokenParamsTest extends RedisBrokerTest {

    /** Only the values hold it, so a log line that repeats one is seen. */
    private static final String MARKER = "PARAMVALUEMARKER";
    private static final List<String> STANDARD = List.of("grant_type", "scope", "client_id", "client_secret");
    private static final String OTHER = "conformance"; // a credential name the ops caller holds a grant for

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @TestHTTPResource(value = "health/ready", management = true)
    URL readiness;

    @Inject
    MeterRegistry meters;

    @Inject
    CacheKeys cacheKeys;

    @AfterEach
    void removeOther() {
        if (credentials.get(OTHER).isPresent()) {
            secrets.remove(OTHER);
            await().until(() -> credentials.get(OTHER).isEmpty());
        }
    }

    @Test
    void paramsArriveAfterTheStandardFieldsInOrderWithRepeatsAndDecodedValues() {
        useParams("audience=https%3A%2F%2Fapi.example.com%2F" + MARKER + "\n\nresource=https://a.example.com/" + MARKER
                + "\n resource = https://b.example.com/x+y%2B" + MARKER + "\n");

        token(Fixtures.CREDENTIAL, "openid");

        List<String[]> fields = formFields(lastTokenRequest());
        assertThat(fields).extracting(f -> f[0]).containsExactlyInAnyOrder("grant_type", "scope", "client_id",
                "client_secret", "audience", "resource", "resource");
        assertThat(fields).filteredOn(f -> !STANDARD.contains(f[0])).extracting(f -> f[0] + "=" + f[1]).containsExactly(
                "audience=https://api.example.com/" + MARKER, "resource=https://a.example.com/" + MARKER,
                "resource=https://b.example.com/x y+" + MARKER);
        assertThat(logs.lines()).noneMatch(line -> line.contains(MARKER));
    }

    @ParameterizedTest
    @ValueSource(strings = {"grant_type", "scope", "client_id", "client_secret", "client_assertion", "client_assertion_type"})
    void aNameTheBrokerSetsMakesTheCredentialInvalidAndItsLastValidVersionIsServed(String reserved) {
        String before = token(Fixtures.CREDENTIAL, "openid");
        secrets.update(Fixtures.CREDENTIAL, "token_params", "audience=https://api.example.com\n" + reserved + "=" + MARKER);
        await().until(() -> credentials.problems().containsKey(Fixtures.CREDENTIAL));

        assertThat(credentials.problems().get(Fixtures.CREDENTIAL))
                .isEqualTo("file=token_params problem=\"line 2 names " + reserved + ", which the broker sets itself\"");
        assertThat(token(Fixtures.CREDENTIAL, "openid")).as("the cached token of the last valid version").isEqualTo(before);
        token(Fixtures.CREDENTIAL, "AdobeID"); // minted with the last valid version: no params, its own secret
        assertThat(formFields(lastTokenRequest())).extracting(f -> f[0]).containsExactlyInAnyOrderElementsOf(STANDARD);
        assertThat(formFields(lastTokenRequest())).filteredOn(f -> f[0].equals("client_secret")).extracting(f -> f[1])
                .containsExactly(Fixtures.CLIENT_SECRET);
        RestAssured.given().when().get(readiness).then().statusCode(200)
                .body("checks[0].data.'credential.adobe-admin'", containsString("file=token_params"));
        await().until(() -> meters.get("tokenbroker.credential.valid").tag("credential", Fixtures.CREDENTIAL).gauge().value() == 0.0);
        assertThat(logs.messages("dev.tokenbroker.credential.CredentialRegistry")).contains("event=credential_invalid "
                + "credential=adobe-admin file=token_params problem=\"line 2 names " + reserved
                + ", which the broker sets itself\" action=serving_last_valid_version");
        assertThat(logs.lines()).noneMatch(line -> line.contains(MARKER));
    }

    @Test
    void changedParamsDropCachedTokensAndTheNextMintCarriesTheNewOnes() {
        useParams("audience=https://one.example.com");
        String first = token(Fixtures.CREDENTIAL, "openid");
        String firstName = cacheKeys.tokenName(credentials.get(Fixtures.CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse("openid")), 0);
        assertThat(redisData.key().exists(firstName)).isTrue();

        useParams("audience=https://two.example.com");
        await().until(() -> !redisData.key().exists(firstName)); // dropped on every replica, not only left behind
        String second = token(Fixtures.CREDENTIAL, "openid");

        assertThat(second).isNotEqualTo(first);
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertThat(formFields(lastTokenRequest())).filteredOn(f -> f[0].equals("audience")).extracting(f -> f[1])
                .containsExactly("https://two.example.com");
        String secondName = cacheKeys.tokenName(credentials.get(Fixtures.CREDENTIAL).orElseThrow().tokenKey(ScopeSet.parse("openid")), 0);
        assertThat(secondName).isNotEqualTo(firstName);
        assertThat(redisData.key().exists(secondName)).isTrue();
    }

    @Test
    void credentialsThatDifferOnlyInAudienceNeverShareAToken() {
        ims.stubFor(Ims.tokenRequest().atPriority(1).withFormParam("audience", WireMock.equalTo("https://a.example.com"))
                .willReturn(fixedToken("token-for-a")));
        ims.stubFor(Ims.tokenRequest().atPriority(1).withFormParam("audience", WireMock.equalTo("https://b.example.com"))
                .willReturn(fixedToken("token-for-b")));
        useParams("audience=https://a.example.com");
        Map<String, String> other = Fixtures.adobeAdmin(tokenUrl());
        other.put("token_params", "audience=https://b.example.com");
        secrets.write(OTHER, other);
        await().until(() -> credentials.get(OTHER).isPresent());

        for (int i = 0; i < 2; i++) {
            assertThat(token(Fixtures.CREDENTIAL, "openid")).isEqualTo("token-for-a");
            assertThat(token(OTHER, "openid")).isEqualTo("token-for-b");
        }
        assertThat(Ims.tokenRequests(ims)).as("one mint each, then the cache").isEqualTo(2);
        localCache.clear(); // from Redis now
        assertThat(token(OTHER, "openid")).isEqualTo("token-for-b");
        assertThat(token(Fixtures.CREDENTIAL, "openid")).isEqualTo("token-for-a");
        assertThat(Ims.tokenRequests(ims)).isEqualTo(2);
        assertThat(redisData.key().keys("tokenbroker:t:*")).hasSize(2);
    }

    private void useParams(String content) {
        secrets.update(Fixtures.CREDENTIAL, "token_params", content);
        String expected = dev.tokenbroker.token.TokenParams.parse(content).canonical();
        await().until(() -> credentials.get(Fixtures.CREDENTIAL)
                .map(c -> c.tokenParams().canonical().equals(expected)).orElse(false));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder fixedToken(String token) {
        return WireMock.aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + token + "\",\"token_type\":\"bearer\",\"expires_in\":86399}");
    }

    private LoggedRequest lastTokenRequest() {
        List<LoggedRequest> requests = ims.findAll(Ims.tokenRequested());
        assertThat(requests).isNotEmpty();
        return requests.get(requests.size() - 1);
    }

    /** The form fields of a request in the order they were sent, decoded. */
    private static List<String[]> formFields(LoggedRequest request) {
        return Arrays.stream(request.getBodyAsString().split("&"))
                .map(pair -> pair.split("=", 2))
                .map(pair -> new String[] {decode(pair[0]), decode(pair.length > 1 ? pair[1] : "")})
                .toList();
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private static String token(String credential, String scope) {
        return as(OPS_KEY).queryParam("credential", credential).queryParam("scope", scope).when().get("/tokens")
                .then().statusCode(200).body("credential", equalTo(credential)).extract().path("access_token");
    }
}
