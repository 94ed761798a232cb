package dev.tokenbroker.oauth;

import dev.tokenbroker.api.TokenIssuer;
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
 * {@code POST /oauth2/token}: the broker as a standard OAuth 2.0 token endpoint, so that an app's existing OAuth
 * client gets its tokens with the caller's key (or ServiceAccount token) in place of the real secret. Client
 * credentials (RFC 6749 section 4.4, with a secret or an RFC 7523 client assertion) and token exchange (RFC 8693),
 * both decided by the same {@link TokenIssuer} as {@code GET /tokens}; answers and errors in RFC 6749 form.
 */
@Path("/oauth2/token")
public class OAuthTokenResource {

    static final String CLIENT_CREDENTIALS = "client_credentials";
    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    private final TokenIssuer issuer;
    private final OAuthRequests requests;

    OAuthTokenResource(TokenIssuer issuer, OAuthRequests requests) {
        this.issuer = issuer;
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> token(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization, String form,
            HttpServerRequest http) {
        OAuthAnswers.Proof proof = OAuthAnswers.Proof.CLIENT;
        try {
            TokenForm.Parameters parameters = TokenForm.parse(form == null ? "" : form);
            String grantType = parameters.required("grant_type");
            if (grantType.equals(CLIENT_CREDENTIALS)) {
                ClientAuthentication client = ClientAuthentication.of(authorization, parameters);
                return answer(requests.request(client.authorization(), client.clientId(), parameters, http), proof, null);
            }
            if (grantType.equals(TOKEN_EXCHANGE)) {
                proof = OAuthAnswers.Proof.SUBJECT_TOKEN;
                return answer(tokenExchange(authorization, parameters, http), proof, ACCESS_TOKEN_TYPE);
            }
            throw new OAuthError.Refused(OAuthError.UNSUPPORTED_GRANT_TYPE,
                    "Supported grant types: " + CLIENT_CREDENTIALS + ", " + TOKEN_EXCHANGE + ".");
        } catch (RuntimeException e) {
            return Uni.createFrom().item(OAuthAnswers.answer(e, proof));
        }
    }

    /** RFC 8693: the subject token is the caller's ServiceAccount token; {@code resource} or {@code audience} names the credential. */
    private TokenIssuer.Request tokenExchange(List<String> authorization, TokenForm.Parameters parameters,
            HttpServerRequest http) {
        if (ClientAuthentication.present(authorization, parameters)) {
            throw OAuthError.invalidRequest("A token exchange is authorised by its subject token alone; send no client authentication.");
        }
        if (!JWT_TOKEN_TYPE.equals(parameters.required("subject_token_type"))) {
            throw OAuthError.invalidRequest("subject_token_type must be " + JWT_TOKEN_TYPE + ".");
        }
        if (parameters.optional("requested_token_type").filter(t -> !t.equals(ACCESS_TOKEN_TYPE)).isPresent()) {
            throw OAuthError.invalidRequest("requested_token_type may only be " + ACCESS_TOKEN_TYPE + ".");
        }
        var resource = parameters.optional("resource");
        var audience = parameters.optional("audience");
        if (resource.isPresent() && audience.isPresent() && !resource.equals(audience)) {
            throw OAuthError.invalidRequest("resource and audience must name the same credential.");
        }
        String credential = resource.or(() -> audience).orElseThrow(
                () -> OAuthError.invalidRequest("The resource or audience parameter must name the credential."));
        return requests.request(List.of("Bearer " + parameters.required("subject_token")), credential, parameters, http);
    }

    private Uni<Response> answer(TokenIssuer.Request request, OAuthAnswers.Proof proof, String issuedTokenType) {
        return issuer.issue(request, issued -> OAuthAnswers.ok(OAuthTokenResponse.of(issued, issuedTokenType)))
                .onFailure().recoverWithItem(e -> OAuthAnswers.answer(e, proof));
    }
}
