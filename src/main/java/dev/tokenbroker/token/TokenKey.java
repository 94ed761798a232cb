package dev.tokenbroker.token;


/**
 * What one cached token is for: a credential's upstream account and a scope set. The token URL is kept as its
 * string form: keys are compared on every request, and {@code URI.equals} is far slower than {@code String.equals}.
 */
public record TokenKey(String credential, String clientId, String tokenUrl, ScopeSet scopes) {
}
