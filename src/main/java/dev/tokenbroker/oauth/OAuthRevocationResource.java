package dev.tokenbroker.oauth;

import dev.tokenbroker.api.TokenRevoker;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.RestHeader;

/**
 * {@code POST /oauth2/revoke} (RFC 7009): an OAuth client says that a token it was given was refused, with the client
 * authentication of {@code /oauth2/token} (the caller's key as client secret, basic or post, or its ServiceAccount
 * token as client assertion), whose {@code client_id} names the credential. {@code token} is the access token;
 * {@code token_type_hint} is accepted and ignored (the broker hands out access tokens only). The same effect as
 * {@code rejected} on {@code GET /tokens} ({@link TokenRevoker}), the new token minted at the next request. 200 with
 * no body whether or not the token was the current one (RFC 7009 section 2.2); 401 {@code invalid_client} without
 * valid client authentication; 503 {@code temporarily_unavailable} while the mint budget is spent (section 2.2.1:
 * the token still exists, retry later).
 */
@Path("/oauth2/revoke")
public class OAuthRevocationResource {

    private final TokenRevoker revoker;
    private final OAuthRequests requests;

    OAuthRevocationResource(TokenRevoker revoker, OAuthRequests requests) {
        this.revoker = revoker;
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> revoke(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization, String form,
            HttpServerRequest http) {
        try {
            TokenForm.Parameters parameters = TokenForm.parse(form == null ? "" : form);
            ClientAuthentication client = ClientAuthentication.of(authorization, parameters);
            String token = parameters.required("token");
            return revoker.revoke(client.authorization(), requests.resolve(client.clientId()), token, http)
                    .map(done -> Response.ok().header(HttpHeaders.CACHE_CONTROL, "no-store").header("Pragma", "no-cache").build())
                    .onFailure().recoverWithItem(e -> OAuthAnswers.answer(e, OAuthAnswers.Proof.CLIENT));
        } catch (RuntimeException e) {
            return Uni.createFrom().item(OAuthAnswers.answer(e, OAuthAnswers.Proof.CLIENT));
        }
    }
}
