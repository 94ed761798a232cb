package dev.tokenbroker.caller;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The callers of several grant sources (the files of a callers directory), kept as the look-up maps requests read, and
 * changed one source at a time at a cost in proportion to that source (docs/configuration.md, Grants for many teams).
 *
 * <p>Sources are ordered by their names (a directory's files by path). An entry is in use unless a source that sorts
 * earlier lists its name, key digest or ServiceAccount ({@code namespace/*} included): then the whole entry is refused
 * and reported with both places, so that a later file can never take what an earlier one lists. Whether an entry is in
 * use depends only on the earlier sources' entries, so a change touches only the changed source's entries and the
 * entries that share a name, key or ServiceAccount with them.
 *
 * <p>One writer at a time ({@link #apply} is synchronized); requests read the look-up maps concurrently, without a
 * lock. A changed source's entries are applied one by one, each caller's new entry put before its old one goes, so a
 * request finds either the old or the new entry of a caller, never none.
 */
final class CallerIndex {

    /**
     * One source's entry as it claims its name, key digest and ServiceAccount: one object for all three, and whether the
     * entry is in use, or why not. Changed only by the writer.
     */
    private static final class Claim {
        final String source;
        final CallerEntry entry;
        boolean inUse;
        MergedPolicy.Refused refused;

        Claim(String source, CallerEntry entry) {
            this.source = source;
            this.entry = entry;
        }
    }

    /** A source as last applied: its entries (to tell a new version) and their claims, in order. */
    private record Source(CallersFile.Entries entries, Claim[] claims) {}

    private static final Comparator<Claim> ORDER = Comparator.comparing((Claim claim) -> claim.source)
            .thenComparingInt(claim -> claim.entry.line());

    final Map<ByteBuffer, Caller> byKeyDigest = new ConcurrentHashMap<>();
    final Map<CallerPolicy.ClusterAccount, Caller> byServiceAccount = new ConcurrentHashMap<>();
    final Map<CallerPolicy.ClusterNamespace, Caller> byNamespace = new ConcurrentHashMap<>();

    private final Map<String, Source> sources = new TreeMap<>();
    /**
     * Per name, key digest or ServiceAccount: who claims it, a {@link Claim} or, when several sources list it, a
     * {@code Claim[]} earliest first, so the usual single claim costs no list.
     */
    private final Map<String, Object> names = new HashMap<>();
    private final Map<String, Object> keys = new HashMap<>();
    private final Map<String, Object> accounts = new HashMap<>();
    private final Set<Claim> refused = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile List<MergedPolicy.Refused> refusedNow = List.of();
    private volatile int size;
    private volatile int defaultClusterAccounts;
    private volatile Bounds bounds = Bounds.NONE;

    /** The index of one list of callers, in order: a caller whose name, key or ServiceAccount is listed before is left out. */
    static CallerIndex of(List<Caller> callers) {
        CallerIndex index = new CallerIndex();
        List<CallerEntry> entries = new ArrayList<>(callers.size());
        for (int i = 0; i < callers.size(); i++) {
            entries.add(new CallerEntry("", i + 1, callers.get(i)));
        }
        index.apply("", new CallersFile.Entries(entries, Bounds.NONE));
        return index;
    }

    /** Puts this source's entries in place of the ones it gave before ({@link CallersFile.Entries#NONE}: removes it). */
    synchronized void apply(String source, CallersFile.Entries now) {
        Source before = sources.get(source);
        if (before != null && before.entries() == now) {
            return;
        }
        Claim[] gone = before == null ? new Claim[0] : before.claims();
        Set<Claim> affected = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Claim claim : gone) {
            forEachField(claim.entry, (claims, value) -> unclaim(claims, value, claim, affected));
        }
        Claim[] added = new Claim[now.callers().size()];
        for (int i = 0; i < added.length; i++) {
            Claim claim = added[i] = new Claim(source, now.callers().get(i));
            forEachField(claim.entry, (claims, value) -> claim(claims, value, claim, affected));
        }
        if (added.length == 0 && now.bounds().bounds().isEmpty()) {
            sources.remove(source);
        } else {
            sources.put(source, new Source(now, added));
        }
        List<Claim> adding = new ArrayList<>();
        List<Claim> removing = new ArrayList<>();
        for (Claim claim : gone) {
            refused.remove(claim);
            if (claim.inUse) {
                removing.add(claim);
            }
        }
        Set<Claim> goneSet = Collections.newSetFromMap(new IdentityHashMap<>());
        goneSet.addAll(List.of(gone));
        for (Claim claim : affected) {
            if (goneSet.contains(claim)) {
                continue; // repeats within one source reach here only from CallerIndex.of, never from a checked file
            }
            claim.refused = refusal(claim);
            if (claim.refused == null) {
                refused.remove(claim);
                if (!claim.inUse) {
                    adding.add(claim);
                }
            } else {
                refused.add(claim);
                if (claim.inUse) {
                    removing.add(claim);
                }
            }
        }
        adding.forEach(this::use); // before the removals: a caller's new entry is found before its old one goes
        removing.forEach(this::drop);
        if (!refused.isEmpty() || !refusedNow.isEmpty()) {
            refusedNow = refused.stream().map(claim -> claim.refused).sorted(Comparator
                    .comparing((MergedPolicy.Refused r) -> r.entry().place()).thenComparingInt(r -> r.entry().line()))
                    .toList();
        }
        bounds = sources.values().stream().map(s -> s.entries().bounds()).reduce(Bounds.NONE, Bounds::plus);
    }

    /** The callers in use, in source and line order; costs a pass over every entry, so not for requests. */
    synchronized List<Caller> callers() {
        List<Caller> callers = new ArrayList<>(size);
        for (Source source : sources.values()) {
            for (Claim claim : source.claims()) {
                if (claim.inUse) {
                    callers.add(claim.entry.caller());
                }
            }
        }
        return callers;
    }

    /**
     * The entries left out because an earlier source lists their name, key or ServiceAccount, by place and line; read
     * without a lock (a scrape of the metrics asks for it while a reload applies a file).
     */
    List<MergedPolicy.Refused> refused() {
        return refusedNow;
    }

    /** How many callers are in use. */
    int size() {
        return size;
    }

    /** How many callers in use name a ServiceAccount of the default cluster. */
    int defaultClusterServiceAccounts() {
        return defaultClusterAccounts;
    }

    /** The bounds of self-service grants that the sources set, added up. */
    Bounds bounds() {
        return bounds;
    }

    private MergedPolicy.Refused refusal(Claim claim) {
        Caller caller = claim.entry.caller();
        MergedPolicy.Refused refusal = earlier(claim, "name", names, caller.name());
        if (refusal == null && caller.apiKeySha256().isPresent()) {
            refusal = earlier(claim, "api-key-sha256", keys, caller.apiKeySha256().get());
        }
        if (refusal == null && caller.serviceAccount().isPresent()) {
            refusal = earlier(claim, "service-account", accounts, accountField(caller, caller.serviceAccount().get()));
        }
        return refusal;
    }

    private static MergedPolicy.Refused earlier(Claim claim, String field, Map<String, Object> claims, String value) {
        Object claimants = claims.get(value);
        Claim first = claimants instanceof Claim single ? single : ((Claim[]) claimants)[0];
        return first == claim ? null : new MergedPolicy.Refused(claim.entry, field, first.entry);
    }

    private void use(Claim claim) {
        claim.inUse = true;
        size++;
        Caller caller = claim.entry.caller();
        caller.apiKeySha256().ifPresent(hex -> byKeyDigest.put(digest(hex), caller));
        caller.serviceAccount().ifPresent(account -> {
            CallerPolicy.ClusterAccount key = new CallerPolicy.ClusterAccount(caller.cluster(), account);
            if (account.endsWith(CallerPolicy.WHOLE_NAMESPACE)) {
                byNamespace.put(key.namespace(), caller);
            } else {
                byServiceAccount.put(key, caller);
            }
        });
        if (caller.serviceAccount().isPresent() && caller.cluster().isEmpty()) {
            defaultClusterAccounts++;
        }
    }

    private void drop(Claim claim) {
        claim.inUse = false;
        size--;
        Caller caller = claim.entry.caller();
        caller.apiKeySha256().ifPresent(hex -> removeIfStill(byKeyDigest, digest(hex), caller));
        caller.serviceAccount().ifPresent(account -> {
            CallerPolicy.ClusterAccount key = new CallerPolicy.ClusterAccount(caller.cluster(), account);
            if (account.endsWith(CallerPolicy.WHOLE_NAMESPACE)) {
                removeIfStill(byNamespace, key.namespace(), caller);
            } else {
                removeIfStill(byServiceAccount, key, caller);
            }
        });
        if (caller.serviceAccount().isPresent() && caller.cluster().isEmpty()) {
            defaultClusterAccounts--;
        }
    }

    /** Removes the mapping only if it is still this very caller, not an equal one put in its place. */
    private static <K> void removeIfStill(Map<K, Caller> map, K key, Caller caller) {
        map.computeIfPresent(key, (k, current) -> current == caller ? null : current);
    }

    private interface FieldAction {
        void on(Map<String, Object> claims, String value);
    }

    private void forEachField(CallerEntry entry, FieldAction action) {
        Caller caller = entry.caller();
        action.on(names, caller.name());
        caller.apiKeySha256().ifPresent(key -> action.on(keys, key));
        caller.serviceAccount().ifPresent(account -> action.on(accounts, accountField(caller, account)));
    }

    private static String accountField(Caller caller, String account) {
        return caller.cluster().map(cluster -> cluster + ":" + account).orElse(account);
    }

    /** Adds the claim in order; every claimant of the value may now be in use or not. */
    private static void claim(Map<String, Object> claims, String value, Claim claim, Set<Claim> affected) {
        Object claimants = claims.get(value);
        if (claimants == null) {
            claims.put(value, claim);
            affected.add(claim);
            return;
        }
        List<Claim> list = new ArrayList<>(claimants instanceof Claim single ? List.of(single) : List.of((Claim[]) claimants));
        int at = Collections.binarySearch(list, claim, ORDER);
        list.add(at < 0 ? -at - 1 : at, claim);
        claims.put(value, list.toArray(Claim[]::new));
        affected.addAll(list);
    }

    /** Takes the claim away; the claimants left may now be in use. */
    private static void unclaim(Map<String, Object> claims, String value, Claim claim, Set<Claim> affected) {
        Object claimants = claims.get(value);
        if (claimants == claim) {
            claims.remove(value);
            return;
        }
        List<Claim> left = new ArrayList<>(List.of((Claim[]) claimants));
        left.remove(claim); // Claim has identity equality
        claims.put(value, left.size() == 1 ? left.get(0) : left.toArray(Claim[]::new));
        affected.addAll(left);
    }

    private static ByteBuffer digest(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex));
    }
}
