package dev.tokenbroker.caller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One policy made of the entries of several grant sources (docs/configuration.md, Grants for many teams), taken in
 * order: a caller name, key digest or ServiceAccount ({@code namespace/*} included) that an earlier source lists
 * already is refused in the later one, whole, and reported with both places, so that a later file can never widen
 * what an earlier one grants. Within one source the file's own check refuses repeats, so they do not reach here.
 *
 * The files' bounds of self-service grants add up.
 *
 * <p>Costs one pass over the entries, with nothing parsed: a changed file is parsed alone, then the policy is merged
 * anew from every file's last good entries (docs/benchmark.md, Callers in files).
 */
public record MergedPolicy(CallerPolicy policy, List<Refused> refused) {

    public MergedPolicy {
        refused = List.copyOf(refused);
    }

    /** An entry left out because an earlier source lists its {@code field} already, at {@code kept}. */
    public record Refused(CallerEntry entry, String field, CallerEntry kept) {
        /** Names the caller, the field and both places, never a key digest. */
        public String describe() {
            return "caller " + entry.caller().name() + " at " + entry.where() + " is refused: its " + field
                    + " is listed at " + kept.where() + " already";
        }
    }

    /** The policy of these sources, earliest first (a callers directory's files in name order). */
    public static MergedPolicy of(List<CallersFile.Entries> sources) {
        int size = sources.stream().mapToInt(source -> source.callers().size()).sum();
        Bounds bounds = Bounds.NONE;
        Map<String, CallerEntry> names = new HashMap<>(size * 4 / 3 + 1);
        Map<String, CallerEntry> keys = new HashMap<>();
        Map<String, CallerEntry> accounts = new HashMap<>();
        List<Caller> accepted = new ArrayList<>(size);
        List<Refused> refused = new ArrayList<>();
        for (CallersFile.Entries source : sources) {
            bounds = bounds.plus(source.bounds());
            for (CallerEntry entry : source.callers()) {
                Caller caller = entry.caller();
                Optional<Refused> clash = clash(entry, "name", names, caller.name())
                        .or(() -> caller.apiKeySha256().flatMap(key -> clash(entry, "api-key-sha256", keys, key)))
                        .or(() -> caller.serviceAccount().flatMap(account -> clash(entry, "service-account", accounts,
                                caller.cluster().map(c -> c + ":").orElse("") + account)));
                if (clash.isPresent()) {
                    refused.add(clash.get());
                    continue;
                }
                names.put(caller.name(), entry);
                caller.apiKeySha256().ifPresent(key -> keys.put(key, entry));
                caller.serviceAccount().ifPresent(account -> accounts.put(
                        caller.cluster().map(c -> c + ":").orElse("") + account, entry));
                accepted.add(caller);
            }
        }
        return new MergedPolicy(new CallerPolicy(accepted, bounds), refused);
    }

    private static Optional<Refused> clash(CallerEntry entry, String field, Map<String, CallerEntry> seen, String value) {
        CallerEntry kept = seen.get(value);
        return kept == null ? Optional.empty() : Optional.of(new Refused(entry, field, kept));
    }
}
