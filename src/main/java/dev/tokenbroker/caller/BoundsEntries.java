package dev.tokenbroker.caller;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Validates the {@code bounds:} list of a callers file, read by {@link CallersYaml}: each entry names namespaces
 * (names, or prefixes ending in {@code *}) and grants written as a caller's are. Problems name fields, never values.
 */
final class BoundsEntries {

    /** A namespace name (a DNS label), or a prefix of one ending in {@code *} ({@code *} alone: every namespace). */
    static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?|[a-z0-9-]{0,62}\\*");

    private BoundsEntries() {}

    /** The bounds of the entries that are valid; a problem for each that is not, at its line. */
    static Bounds validate(List<CallersYaml.LocatedBound> entries, List<CallersFile.Problem> problems) {
        List<Bounds.Bound> bounds = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            CallersYaml.LocatedBound located = entries.get(i);
            if (!located.readable()) {
                continue;
            }
            String where = "bounds[" + i + "]";
            List<String> found = new ArrayList<>();
            CallersYaml.BoundEntry entry = located.entry();
            List<String> namespaces = entry == null || entry.namespaces() == null ? List.of() : entry.namespaces();
            if (namespaces.isEmpty()) {
                found.add(where + ".namespaces is missing or empty");
            } else if (namespaces.stream().anyMatch(n -> n == null || !NAMESPACE.matcher(n).matches())) {
                found.add(where + ".namespaces holds something that is not a namespace name or a prefix ending in *");
            }
            List<Grant> grants = CallersFile.grants(where, entry == null ? null : entry.grants(), found);
            if (grants.isEmpty() && found.isEmpty()) {
                found.add(where + ".grants is missing or empty");
            }
            found.forEach(problem -> problems.add(new CallersFile.Problem(located.line(), problem)));
            if (found.isEmpty()) {
                bounds.add(new Bounds.Bound(namespaces, grants));
            }
        }
        return new Bounds(bounds);
    }
}
