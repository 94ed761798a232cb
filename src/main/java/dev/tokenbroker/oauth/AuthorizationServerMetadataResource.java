package dev.tokenbroker.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.config.TokenBrokerConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;

/**
 * {@code GET /.well-known/oauth-authorization-server} (RFC 8414), so that clients configured with an issuer URL find the
 * token endpoint and the revocation endpoint (RFC 7009). The issuer is {@code tokenbroker.oauth.issuer}, else the scheme, host and port of this request (https
 * when TLS is on). No {@code scopes_supported}: what a caller may ask depends on the caller.
 */
@Path("/.well-known/oauth-authorization-server")
public class AuthorizationServerMetadataResource {

    /** The metadata members the broker announces. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metadata(
            String issuer,
            @JsonProperty("token_endpoint") String tokenEndpoint,
            @JsonProperty("grant_types_supported") List<String> grantTypesSupported,
            @JsonProperty("token_endpoint_auth_methods_supported") List<String> tokenEndpointAuthMethodsSupported,
            @JsonProperty("token_endpoint_auth_signing_alg_values_supported") List<String> signingAlgorithms,
            @JsonProperty("response_types_supported") List<String> responseTypesSupported,
            @JsonProperty("revocation_endpoint") String revocationEndpoint,
            @JsonProperty("revocation_endpoint_auth_methods_supported") List<String> revocationEndpointAuthMethodsSupported,
            @JsonProperty("revocation_endpoint_auth_signing_alg_values_supported") List<String> revocationSigningAlgorithms) {}

    private final TokenBrokerConfig config;

    AuthorizationServerMetadataResource(TokenBrokerConfig config) {
        this.config = config;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Metadata metadata(@Context UriInfo request) {
        String issuer = config.oauth().issuer().orElseGet(() -> request.getBaseUri().toString()).replaceAll("/+$", "");
        // A client assertion and a subject token are ServiceAccount tokens: offered only when the broker checks those (RS256 or ES256).
        boolean serviceAccounts = config.kubernetes().jwksUrl().isPresent();
        List<String> authMethods = serviceAccounts
                ? List.of("client_secret_basic", "client_secret_post", "private_key_jwt")
                : List.of("client_secret_basic", "client_secret_post");
        List<String> signingAlgorithms = serviceAccounts ? List.of("RS256", "ES256") : null;
        return new Metadata(issuer, issuer + "/oauth2/token",
                serviceAccounts
                        ? List.of(OAuthTokenResource.CLIENT_CREDENTIALS, OAuthTokenResource.TOKEN_EXCHANGE)
                        : List.of(OAuthTokenResource.CLIENT_CREDENTIALS),
                authMethods,
                signingAlgorithms,
                List.of(),
                // RFC 7009, authenticated as the token endpoint is
                issuer + "/oauth2/revoke", authMethods, signingAlgorithms);
    }
}
