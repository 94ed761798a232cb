package dev.tokenbroker.token;

import dev.tokenbroker.credential.Credential;
import java.net.URI;

/** What one cached token is for: a credential's upstream account and a scope set. */
public record TokenKey(String credential, String clientId, URI tokenUrl, ScopeSet scopes) {

    public static TokenKey of(Credential credential, ScopeSet scopes) {
        return new TokenKey(credential.name(), credential.clientId(), credential.tokenUrl(), scopes);
    }
}
