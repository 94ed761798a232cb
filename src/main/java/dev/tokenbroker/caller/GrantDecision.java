package dev.tokenbroker.caller;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.ScopeSet;
import java.util.List;
import java.util.Optional;

/**
 * The one decision of a token request (docs/api.md, GET /tokens): which scopes of a credential a proven caller gets,
 * or why none. {@code GET /tokens}, the OAuth endpoints and the {@code explain} command all call it, so what
 * {@code explain} says is what the broker does. Refusals are checked in this order, so that a caller without a grant
 * cannot learn which credentials exist: no grant for the credential (403), credential not loaded (404), no default
 * scope within the grant (403), scopes beyond the grant (403), scopes beyond the credential (400).
 */
public final class GrantDecision {

    private GrantDecision() {}

    /**
     * The scopes {@code caller} gets of credential {@code name} (held by the broker as {@code credential}, or empty)
     * for a request naming {@code requested} (empty: the credential's {@code default_scopes} that the caller's grants
     * hold); a {@link GrantRefused} says why not. Costs no more than the checks themselves: with scopes named, no
     * allocation beyond the grant scan; without, the default scopes as they are when a grant holds them all.
     */
    public static ScopeSet scopes(Caller caller, String name, ScopeSet requested, Optional<Credential> credential) {
        if (!caller.hasGrantFor(name)) {
            throw new GrantRefused(Refusal.FORBIDDEN, GrantRefused.Reason.NO_GRANT_FOR_CREDENTIAL, "No grant for this credential.");
        }
        if (credential.isEmpty()) {
            throw new GrantRefused(Refusal.UNKNOWN_CREDENTIAL, GrantRefused.Reason.CREDENTIAL_NOT_LOADED,
                    "Credential " + name + " is not loaded.");
        }
        Credential loaded = credential.get();
        ScopeSet scopes = requested.isEmpty() ? caller.defaultScopes(loaded) : requested;
        if (scopes.isEmpty()) {
            throw new GrantRefused(Refusal.FORBIDDEN, GrantRefused.Reason.NO_DEFAULT_SCOPE_GRANTED,
                    "No scope was named, and the grant holds none of the credential's default scopes ("
                            + loaded.defaultScopes() + "): name the scopes to ask for.");
        }
        if (!caller.permits(name, scopes)) {
            throw new GrantRefused(Refusal.FORBIDDEN, GrantRefused.Reason.SCOPES_NOT_GRANTED,
                    "No grant for scopes: " + notGranted(caller, name, scopes) + ".");
        }
        if (!loaded.scopes().containsAll(scopes)) {
            throw new GrantRefused(Refusal.INVALID_SCOPE, GrantRefused.Reason.SCOPES_NOT_IN_CREDENTIAL,
                    "Credential " + name + " does not have scopes: " + scopes.minus(loaded.scopes()) + ".");
        }
        return scopes;
    }

    /** The scopes of {@code scopes} that no grant of {@code caller} for credential {@code name} holds. */
    public static ScopeSet notGranted(Caller caller, String name, ScopeSet scopes) {
        return new ScopeSet(scopes.scopes().stream()
                .filter(s -> !caller.permits(name, new ScopeSet(List.of(s)))).toList());
    }
}
