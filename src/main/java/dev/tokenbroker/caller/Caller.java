package dev.tokenbroker.caller;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.ScopeSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One entry of the callers file: a service that may ask for tokens, how it proves who it is, and its grants.
 *
 * @param apiKeySha256 lower-case hex SHA-256 of its static bearer key, if it uses one
 * @param serviceAccount its Kubernetes ServiceAccount as {@code namespace/name}, if it uses one
 * @param cluster the cluster of {@code tokenbroker.kubernetes.clusters} that ServiceAccount belongs to; empty: the
 *     default cluster
 * @param purge credentials whose cached tokens it may drop ({@code "*"}: all), for a leaked secret
 */
public record Caller(String name, Optional<String> apiKeySha256, Optional<String> serviceAccount, Optional<String> cluster,
        List<Grant> grants, Set<String> purge) {

    public Caller {
        grants = List.copyOf(grants);
        purge = Set.copyOf(purge);
    }

    /** A caller whose ServiceAccount, if any, is of the default cluster. */
    public Caller(String name, Optional<String> apiKeySha256, Optional<String> serviceAccount, List<Grant> grants,
            Set<String> purge) {
        this(name, apiKeySha256, serviceAccount, Optional.empty(), grants, purge);
    }

    /** Whether the caller may drop every cached token of this credential. */
    public boolean mayPurge(String credential) {
        return purge.contains("*") || purge.contains(credential);
    }

    /** Whether any grant names this credential. */
    public boolean hasGrantFor(String credential) {
        return grants.stream().anyMatch(g -> g.credential().equals(credential));
    }

    /**
     * What a request that names no scope asks for: the credential's {@code default_scopes} that the caller's grants
     * hold (docs/api.md), so that a caller granted part of a credential is not refused for asking nothing. The
     * credential's own set when a grant holds them all (no allocation then); possibly empty.
     */
    public ScopeSet defaultScopes(Credential credential) {
        ScopeSet defaults = credential.defaultScopes();
        List<String> held = null; // only made when a default scope is not held: the common case allocates nothing
        List<String> scopes = defaults.scopes();
        for (int i = 0; i < scopes.size(); i++) {
            boolean holds = holds(credential.name(), scopes.get(i));
            if (!holds && held == null) {
                held = new java.util.ArrayList<>(scopes.subList(0, i));
            } else if (holds && held != null) {
                held.add(scopes.get(i));
            }
        }
        return held == null ? defaults : new ScopeSet(held);
    }

    /** Whether a grant of this credential holds this scope ({@code "*"} holds every one). */
    private boolean holds(String credential, String scope) {
        for (Grant grant : grants) {
            if (grant.credential().equals(credential) && (grant.allScopes() || grant.scopes().scopes().contains(scope))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the caller's grants for this credential, together, cover every requested scope. */
    public boolean permits(String credential, ScopeSet requested) {
        List<Grant> forCredential = grants.stream().filter(g -> g.credential().equals(credential)).toList();
        if (forCredential.stream().anyMatch(Grant::allScopes)) {
            return true;
        }
        return requested.scopes().stream()
                .allMatch(scope -> forCredential.stream().anyMatch(g -> g.scopes().scopes().contains(scope)));
    }
}
