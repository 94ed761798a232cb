package dev.tokenbroker.oauth;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tokenbroker.api.TokenIssuer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.function.Supplier;
import org.jboss.resteasy.reactive.RestHeader;

/**
 * {@code POST /ims/token/v3} and {@code /ims/token/v2}: Adobe IMS's token endpoint, so that an Adobe SDK whose IMS URL
 * is the broker works unchanged. The requests IMS takes ({@code client_id}, {@code client_secret} = the caller's key,
 * comma-separated {@code scope}, optional {@code org_id}, which is read and otherwise ignored: the credential's own
 * org is the one), urlencoded or multipart (Adobe's Node SDK); IMS's answers. Same token path as {@code GET /tokens}.
 */
@Path("/ims/token")
public class ImsTokenResource {

    /** IMS's answer: {@code token_type} is {@code bearer}, as IMS writes it. */
    public record ImsTokenResponse(@JsonProperty("access_token") String accessToken,
            @JsonProperty("token_type") String tokenType, @JsonProperty("expires_in") long expiresIn) {

        @Override
        public String toString() {
            return "ImsTokenResponse[expires_in=" + expiresIn + "]";
        }
    }

    private final TokenIssuer issuer;
    private final OAuthRequests requests;

    ImsTokenResource(TokenIssuer issuer, OAuthRequests requests) {
        this.issuer = issuer;
        this.requests = requests;
    }

    @POST
    @Path("/{version:v[23]}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> urlencoded(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization, String form,
            HttpServerRequest http) {
        return token(authorization, () -> TokenForm.parse(form == null ? "" : form), http);
    }

    @POST
    @Path("/{version:v[23]}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> multipart(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization, @BeanParam TokenForm form,
            HttpServerRequest http) {
        return token(authorization, form::checked, http);
    }

    private Uni<Response> token(List<String> authorization, Supplier<TokenForm.Parameters> form, HttpServerRequest http) {
        try {
            TokenForm.Parameters parameters = form.get();
            if (parameters.optional("grant_type").filter(g -> !g.equals(OAuthTokenResource.CLIENT_CREDENTIALS)).isPresent()) {
                throw new OAuthError.Refused(OAuthError.UNSUPPORTED_GRANT_TYPE, "grant_type must be client_credentials.");
            }
            ClientAuthentication client = ClientAuthentication.of(authorization, parameters);
            return issuer.issue(requests.request(client.authorization(), client.clientId(), parameters, http),
                            issued -> OAuthAnswers.ok(new ImsTokenResponse(issued.token().accessToken(), "bearer", issued.expiresIn())))
                    .onFailure().recoverWithItem(e -> OAuthAnswers.answer(e, OAuthAnswers.Proof.CLIENT));
        } catch (RuntimeException e) {
            return Uni.createFrom().item(OAuthAnswers.answer(e, OAuthAnswers.Proof.CLIENT));
        }
    }
}
