package dev.tokenbroker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Optional;

/** The answer of {@code GET /tokens} (docs/api.md). */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record TokenResponse(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("expires_in") long expiresIn,
        @JsonProperty("expires_at") String expiresAt,
        String scope,
        String credential,
        @JsonProperty("client_id") String clientId,
        @JsonProperty("org_id") Optional<String> orgId,
        @JsonProperty("technical_account_id") Optional<String> technicalAccountId) {

    static TokenResponse of(TokenIssuer.Issued issued) {
        return new TokenResponse(issued.token().accessToken(), issued.token().tokenType(), issued.expiresIn(),
                issued.expiresAt().toString(), issued.scopes().join(" "), issued.credential().name(),
                issued.credential().clientId(), issued.credential().orgId(), issued.credential().technicalAccountId());
    }

    @Override
    public String toString() {
        return "TokenResponse[credential=" + credential + ", scope=" + scope + ", expires_at=" + expiresAt + "]";
    }
}
