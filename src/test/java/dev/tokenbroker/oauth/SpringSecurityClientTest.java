package dev.tokenbroker.oauth;

import static dev.tokenbroker.testing.Fixtures.BILLING_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.client.endpoint.OAuth2ClientCredentialsGrantRequest;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthorizationException;
import org.springframework.security.oauth2.core.endpoint.OAuth2AccessTokenResponse;

/**
 * Spring Security's OAuth 2.0 client against {@code /oauth2/token}: the token response client that a Spring Boot
 * {@code client_credentials} registration runs, given the registration that docs/api.md's Spring Boot properties make
 * ({@code spring.security.oauth2.client.registration.adobe.*} and {@code provider.adobe.token-uri}).
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
class SpringSecurityClientTest extends BrokerTest {

    @TestHTTPResource("/oauth2/token")
    URL tokenUrl;

    @Test
    void springBootClientCredentialsRegistrationGetsATokenWithClientSecretBasic() {
        OAuth2AccessTokenResponse answer = token(registration(ClientAuthenticationMethod.CLIENT_SECRET_BASIC, BILLING_KEY));
        assertThat(answer.getAccessToken().getTokenValue()).startsWith("eyJ");
        assertThat(answer.getAccessToken().getScopes()).containsExactlyInAnyOrder("openid", "AdobeID");
        assertThat(answer.getAccessToken().getExpiresAt()).isAfter(answer.getAccessToken().getIssuedAt().plusSeconds(86000));
        // client_secret_post gives the same token: one cached token per credential and scope set.
        assertThat(token(registration(ClientAuthenticationMethod.CLIENT_SECRET_POST, BILLING_KEY))
                .getAccessToken().getTokenValue()).isEqualTo(answer.getAccessToken().getTokenValue());
        assertThat(Ims.tokenRequests(ims)).isEqualTo(1);
    }

    /**
     * A wrong key is RFC 6749's 401 {@code invalid_client} (with {@code WWW-Authenticate: Basic}, as 5.2 requires for
     * Basic authentication). Spring parses error bodies of 400 answers only, so it reports a 401 as
     * {@code invalid_token_response} carrying the status and body.
     */
    @Test
    void springSeesAWrongKeyAsAFailedTokenRequest() {
        assertThatThrownBy(() -> token(registration(ClientAuthenticationMethod.CLIENT_SECRET_BASIC,
                "not-a-listed-key-0123456789abcdefghij")))
                .isInstanceOfSatisfying(OAuth2AuthorizationException.class, e -> {
                    assertThat(e.getError().getErrorCode()).isEqualTo("invalid_token_response");
                    assertThat(e.getMessage()).contains("401").contains("invalid_client")
                            .doesNotContain("not-a-listed-key");
                });
        assertThat(Ims.tokenRequests(ims)).isZero();
    }

    private ClientRegistration registration(ClientAuthenticationMethod method, String key) {
        return ClientRegistration.withRegistrationId("adobe")
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .clientId(Fixtures.CREDENTIAL)
                .clientSecret(key)
                .clientAuthenticationMethod(method)
                .scope("openid", "AdobeID")
                .tokenUri(tokenUrl.toString())
                .build();
    }

    private static OAuth2AccessTokenResponse token(ClientRegistration registration) {
        return new RestClientClientCredentialsTokenResponseClient()
                .getTokenResponse(new OAuth2ClientCredentialsGrantRequest(registration));
    }
}
