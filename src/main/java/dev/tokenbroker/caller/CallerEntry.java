package dev.tokenbroker.caller;

import java.util.Objects;

/**
 * A caller as one grant source wrote it, with where: a callers file and the line its entry starts on (0 when a source
 * has no lines). Every grant source (one callers file, each file of a callers directory) produces these, and
 * {@link MergedPolicy} makes one policy of them.
 *
 * @param place the file (or other object) the entry comes from, as it is shown to operators
 */
public record CallerEntry(String place, int line, Caller caller) {

    public CallerEntry {
        Objects.requireNonNull(place);
        Objects.requireNonNull(caller);
    }

    /** {@code team-a.yaml:12}; the place alone when there is no line. */
    public String where() {
        return line > 0 ? place + ":" + line : place;
    }
}
