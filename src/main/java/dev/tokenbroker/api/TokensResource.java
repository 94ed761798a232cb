package dev.tokenbroker.api;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

/** {@code GET /tokens}: an access token for an authenticated caller, within its grants (docs/api.md). */
@Path("/tokens")
public class TokensResource {

    private final TokenIssuer issuer;

    TokensResource(TokenIssuer issuer) {
        this.issuer = issuer;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @ResponseHeader(name = HttpHeaders.CACHE_CONTROL, value = "no-store")
    @ResponseHeader(name = "Pragma", value = "no-cache")
    public Uni<TokenResponse> token(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization,
            @RestQuery("credential") List<String> credential, @RestQuery("scope") List<String> scope,
            @RestQuery("min_ttl") List<String> minTtl) {
        return issuer.issue(new TokenIssuer.Request(authorization, credential, scope, minTtl), TokenResponse::of);
    }
}
