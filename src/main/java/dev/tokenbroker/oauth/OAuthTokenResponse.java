package dev.tokenbroker.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.api.TokenIssuer;

/** RFC 6749 section 5.1 (and RFC 8693 section 2.2.1 for a token exchange): the answer of {@code /oauth2/token}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OAuthTokenResponse(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("expires_in") long expiresIn,
        String scope,
        @JsonProperty("issued_token_type") String issuedTokenType) {

    static OAuthTokenResponse of(TokenIssuer.Issued issued, String issuedTokenType) {
        return new OAuthTokenResponse(issued.token().accessToken(), issued.token().tokenType(), issued.expiresIn(),
                issued.scopes().join(" "), issuedTokenType);
    }

    @Override
    public String toString() {
        return "OAuthTokenResponse[scope=" + scope + ", expires_in=" + expiresIn + "]";
    }
}
