package dev.tokenbroker.oauth;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.api.TokenIssuer;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * A token request of an OAuth surface as the token path takes it. Which credential a {@code client_id} (or a token exchange's {@code resource} / {@code audience}) names: the
 * credential of that name, else the one credential configured with that client id (Adobe's SDKs send the real API
 * key). A client id that several credentials share names none of them: name the credential by its name then.
 */
@ApplicationScoped
class OAuthRequests {

    private final CredentialRegistry credentials;

    OAuthRequests(CredentialRegistry credentials) {
        this.credentials = credentials;
    }

    /**
     * The request for this proof ({@code Authorization} values), credential, {@code scope} and {@code min_ttl}, come by
     * {@code http} (whose peer a refusal's audit line names).
     */
    TokenIssuer.Request request(List<String> authorization, String clientId, TokenForm.Parameters parameters,
            HttpServerRequest http) {
        return new TokenIssuer.Request(authorization, List.of(resolve(clientId)), parameters.list("scope"),
                parameters.list("min_ttl"), null, http);
    }

    /** The credential name to ask the token path for; unresolved values go as they are, to be refused there. */
    String resolve(String clientId) {
        if (credentials.get(clientId).isPresent()) {
            return clientId;
        }
        return credentials.byClientId(clientId).map(Credential::name).orElse(clientId);
    }
}
