package dev.tokenbroker.caller;

import dev.tokenbroker.token.ScopeSet;

/**
 * Scopes of one credential that a caller may ask for; {@code allScopes} stands for {@code "*"}. {@code line} is where
 * the grant starts in its callers file (0 when not read from one), so that {@code explain} can point at it.
 */
public record Grant(String credential, ScopeSet scopes, boolean allScopes, int line) {

    public Grant(String credential, ScopeSet scopes, boolean allScopes) {
        this(credential, scopes, allScopes, 0);
    }
}
