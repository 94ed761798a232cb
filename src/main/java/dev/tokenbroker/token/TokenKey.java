package dev.tokenbroker.token;


/**
 * What one cached token is for: a credential's upstream account, a scope set, and the extra form parameters it is
 * minted with (its audience or resource). The token URL is kept as its string form: keys are compared on every
 * request, and {@code URI.equals} is far slower than {@code String.equals}.
 */
public record TokenKey(String credential, String clientId, String tokenUrl, ScopeSet scopes, TokenParams params) {
}
