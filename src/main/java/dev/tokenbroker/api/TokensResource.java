package dev.tokenbroker.api;

import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
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

    /** What a {@code rejected} report did: {@code replaced}, {@code not_current} or {@code too_fresh} (docs/api.md). */
    public static final String REJECTED_HEADER = "Token-Broker-Rejected";

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
            @RestQuery("min_ttl") List<String> minTtl, @RestQuery("rejected") List<String> rejected,
            HttpServerRequest http, HttpServerResponse response) {
        TokenIssuer.Request request = new TokenIssuer.Request(authorization, credential, scope, minTtl,
                rejected == null || rejected.isEmpty() ? null : rejected, http);
        if (request.rejected() == null) {
            return issuer.issue(request, TokenResponse::of);
        }
        return issuer.issue(request, issued -> {
            response.putHeader(REJECTED_HEADER, issued.rejection().tag());
            return TokenResponse.of(issued);
        });
    }
}
