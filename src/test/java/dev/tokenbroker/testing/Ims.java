package dev.tokenbroker.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;

/** WireMock answers shaped like Adobe IMS's {@code /ims/token/v3}. */
public final class Ims {

    private Ims() {}

    /** A token request as IMS expects it: form-encoded, client credentials in the form. */
    public static MappingBuilder tokenRequest() {
        return post(urlPathEqualTo(Fixtures.TOKEN_PATH))
                .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
                .withFormParam("grant_type", equalTo("client_credentials"));
    }

    /** IMS's 200: a fresh random token each time, {@code token_type: bearer}, {@code expires_in} as given. */
    public static ResponseDefinitionBuilder token(long expiresIn) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json;charset=UTF-8")
                .withBody("{\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.{{randomValue length=48 type='ALPHANUMERIC'}}\","
                        + "\"token_type\":\"bearer\",\"expires_in\":" + expiresIn + "}");
    }

    /** An RFC 6749 5.2 error as IMS words it, with its {@code X-Debug-Id}. */
    public static ResponseDefinitionBuilder error(int status, String error, String description) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json;charset=UTF-8")
                .withHeader("X-Debug-Id", "debug-{{randomValue length=8 type='ALPHANUMERIC'}}")
                .withBody("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    }

    public static ResponseDefinitionBuilder invalidClient() {
        return error(400, "invalid_client", "invalid client_secret parameter");
    }

    /** Tokens for the fixture's primary secret; any other client is refused as IMS does. */
    public static void issuesTokens(WireMockServer ims, long expiresIn) {
        ims.stubFor(tokenRequest().atPriority(10).willReturn(invalidClient()));
        ims.stubFor(tokenRequest().atPriority(5)
                .withFormParam("client_id", equalTo(Fixtures.CLIENT_ID))
                .withFormParam("client_secret", equalTo(Fixtures.CLIENT_SECRET))
                .willReturn(token(expiresIn)));
    }

    public static RequestPatternBuilder tokenRequested() {
        return postRequestedFor(urlPathEqualTo(Fixtures.TOKEN_PATH));
    }

    public static int tokenRequests(WireMockServer ims) {
        return ims.countRequestsMatching(tokenRequested().build()).getCount();
    }
}
