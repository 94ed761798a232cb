package dev.tokenbroker.token;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A normalised set of OAuth scopes: split on commas and white space, trimmed, empties and duplicates
 * dropped, sorted (case-sensitive). Two requests with equal sets share one cached token.
 */
public record ScopeSet(List<String> scopes) {

    /** Most scopes in one set. */
    public static final int MAX_SCOPES = 100;
    /** Longest single scope. */
    public static final int MAX_SCOPE_LENGTH = 200;

    private static final Pattern SEPARATORS = Pattern.compile("[,\\s]+");
    /** RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), minus the comma we split on. */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x2B\\x2D-\\x5B\\x5D-\\x7E]+");

    public static final ScopeSet EMPTY = new ScopeSet(List.of());

    public ScopeSet {
        scopes = List.copyOf(new TreeSet<>(scopes));
        if (scopes.size() > MAX_SCOPES) {
            throw TokenException.invalidRequest("Too many scopes (at most " + MAX_SCOPES + ").");
        }
        for (String scope : scopes) {
            if (scope.length() > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.matcher(scope).matches()) {
                throw TokenException.invalidRequest(
                        "A scope holds characters outside RFC 6749 3.3 or is longer than " + MAX_SCOPE_LENGTH + ".");
            }
        }
    }

    /** Parses raw values, each of which may hold several scopes separated by commas or white space. */
    public static ScopeSet parse(Collection<String> raw) {
        Set<String> out = new TreeSet<>();
        for (String value : raw) {
            for (String scope : SEPARATORS.split(value.strip())) {
                if (!scope.isEmpty()) {
                    out.add(scope);
                    if (out.size() > MAX_SCOPES) {
                        throw TokenException.invalidRequest("Too many scopes (at most " + MAX_SCOPES + ").");
                    }
                }
            }
        }
        return new ScopeSet(List.copyOf(out));
    }

    public static ScopeSet parse(String raw) {
        return parse(List.of(raw));
    }

    public boolean isEmpty() {
        return scopes.isEmpty();
    }

    public boolean containsAll(ScopeSet other) {
        return scopes.containsAll(other.scopes); // sets are small: a scan beats building a hash set per call
    }

    /** The scopes of this set that {@code other} lacks. */
    public ScopeSet minus(ScopeSet other) {
        return new ScopeSet(scopes.stream().filter(s -> !other.scopes.contains(s)).toList());
    }

    public String join(String separator) {
        return String.join(separator, scopes);
    }

    @Override
    public String toString() {
        return join(" ");
    }
}
