package dev.tokenbroker.caller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One policy made of the entries of several grant sources (docs/configuration.md, Grants for many teams), taken in
 * order: an entry whose caller name, key digest or ServiceAccount ({@code namespace/*} included) an earlier source
 * lists already is refused, whole, and reported with both places, so that a later file can never widen what an earlier
 * one grants. Within one source the file's own check refuses repeats, so they do not reach here.
 *
 * The files' bounds of self-service grants add up.
 *
 * <p>Made from scratch here, for {@code check} and {@code explain}; the running broker keeps the same
 * {@link CallerIndex} and changes it one file at a time (docs/benchmark.md, Callers in files).
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
        CallerIndex index = new CallerIndex();
        for (int i = 0; i < sources.size(); i++) {
            index.apply("%010d".formatted(i), sources.get(i));
        }
        return new MergedPolicy(new CallerPolicy(index, index.bounds(), GrantedAccounts.NONE), index.refused());
    }
}
