package dev.tokenbroker.caller;

import dev.tokenbroker.token.ScopeSet;
import java.util.List;

/**
 * The platform's bounds on self-service grants (docs/configuration.md, Grants for many teams): per namespace, the
 * credentials and scopes that the namespace's TokenGrant objects may reach. Read from the {@code bounds:} list of the
 * callers files; deny by default, so a namespace no bound names may grant itself nothing.
 */
public record Bounds(List<Bound> bounds) {

    public static final Bounds NONE = new Bounds(List.of());

    public Bounds {
        bounds = List.copyOf(bounds);
    }

    /**
     * One entry of {@code bounds:}: the namespaces it applies to (names, or prefixes ending in {@code *}) and what
     * their grants may reach.
     */
    public record Bound(List<String> namespaces, List<Grant> grants) {
        public Bound {
            namespaces = List.copyOf(namespaces);
            grants = List.copyOf(grants);
        }

        /** Whether this entry applies to the namespace. */
        public boolean appliesTo(String namespace) {
            return namespaces.stream().anyMatch(pattern -> pattern.endsWith("*")
                    ? namespace.startsWith(pattern.substring(0, pattern.length() - 1))
                    : namespace.equals(pattern));
        }
    }

    /** These bounds followed by those of another file: together they bound a namespace as one list would. */
    public Bounds plus(Bounds more) {
        return more.bounds.isEmpty() ? this : new Bounds(java.util.stream.Stream.concat(bounds.stream(), more.bounds.stream()).toList());
    }

    /** Whether any entry for the namespace reaches this credential at all. */
    public boolean reach(String namespace, String credential) {
        return grantsFor(namespace, credential).findAny().isPresent();
    }

    /**
     * Whether the namespace's entries, together, reach every scope asked for this credential; {@code allScopes}
     * (a grant of {@code "*"}) is reached only by a bound of {@code "*"}.
     */
    public boolean reach(String namespace, String credential, ScopeSet scopes, boolean allScopes) {
        List<Grant> reachable = grantsFor(namespace, credential).toList();
        if (reachable.stream().anyMatch(Grant::allScopes)) {
            return true;
        }
        return !allScopes && !reachable.isEmpty() && scopes.scopes().stream()
                .allMatch(scope -> reachable.stream().anyMatch(g -> g.scopes().scopes().contains(scope)));
    }

    private java.util.stream.Stream<Grant> grantsFor(String namespace, String credential) {
        return bounds.stream().filter(b -> b.appliesTo(namespace))
                .flatMap(b -> b.grants().stream()).filter(g -> g.credential().equals(credential));
    }
}
