package dev.tokenbroker.caller;

import dev.tokenbroker.token.ScopeSet;

/** Scopes of one credential that a caller may ask for; {@code allScopes} stands for {@code "*"}. */
public record Grant(String credential, ScopeSet scopes, boolean allScopes) {}
