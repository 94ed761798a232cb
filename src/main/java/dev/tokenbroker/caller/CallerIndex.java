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
import java.util.Optional;
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

    /** Who claims a name, key digest or ServiceAccount: one source's entry. */
    private record Claim(String source, CallerEntry entry) {}

    private static final Comparator<Claim> ORDER = Comparator.comparing(Claim::source)
            .thenComparingInt(claim -> claim.entry().line());

    final Map<ByteBuffer, Caller> byKeyDigest = new ConcurrentHashMap<>();
    final Map<CallerPolicy.ClusterAccount, Caller> byServiceAccount = new ConcurrentHashMap<>();
    final Map<CallerPolicy.ClusterNamespace, Caller> byNamespace = new ConcurrentHashMap<>();

    private final Map<String, CallersFile.Entries> sources = new TreeMap<>();
    /** Per name, key digest or ServiceAccount: its claims, earliest first (mostly one). */
    private final Map<String, List<Claim>> names = new HashMap<>();
    private final Map<String, List<Claim>> keys = new HashMap<>();
    private final Map<String, List<Claim>> accounts = new HashMap<>();
    private final Set<CallerEntry> inUse = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<CallerEntry, MergedPolicy.Refused> refused = new IdentityHashMap<>();
    private volatile List<MergedPolicy.Refused> refusedNow = List.of();
    private volatile int size;
    private volatile int untrustedCandidates;
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
        CallersFile.Entries before = sources.getOrDefault(source, CallersFile.Entries.NONE);
        if (before == now) {
            return;
        }
        Set<CallerEntry> affected = Collections.newSetFromMap(new IdentityHashMap<>());
        for (CallerEntry entry : before.callers()) {
            forEachField(entry, (claims, value) -> unclaim(claims, value, entry, affected));
        }
        for (CallerEntry entry : now.callers()) {
            forEachField(entry, (claims, value) -> claim(claims, value, new Claim(source, entry), affected));
        }
        if (now.callers().isEmpty() && now.bounds().bounds().isEmpty()) {
            sources.remove(source);
        } else {
            sources.put(source, now);
        }
        List<CallerEntry> adding = new ArrayList<>();
        List<CallerEntry> removing = new ArrayList<>();
        for (CallerEntry gone : before.callers()) {
            refused.remove(gone);
            if (inUse.contains(gone)) {
                removing.add(gone);
            }
        }
        for (CallerEntry entry : affected) {
            Optional<MergedPolicy.Refused> refusal = refusal(entry);
            refusal.ifPresentOrElse(r -> refused.put(entry, r), () -> refused.remove(entry));
            if (refusal.isEmpty() && !inUse.contains(entry)) {
                adding.add(entry);
            } else if (refusal.isPresent() && inUse.contains(entry)) {
                removing.add(entry);
            }
        }
        adding.forEach(this::use); // before the removals: a caller's new entry is found before its old one goes
        removing.forEach(this::drop);
        size = inUse.size();
        if (!refused.isEmpty() || !refusedNow.isEmpty()) {
            List<MergedPolicy.Refused> all = new ArrayList<>(refused.values());
            all.sort(Comparator.comparing((MergedPolicy.Refused r) -> r.entry().place()).thenComparingInt(r -> r.entry().line()));
            refusedNow = List.copyOf(all);
        }
        bounds = sources.values().stream().map(CallersFile.Entries::bounds).reduce(Bounds.NONE, Bounds::plus);
    }

    /** The callers in use, in source and line order; costs a pass over every entry, so not for requests. */
    synchronized List<Caller> callers() {
        List<Caller> callers = new ArrayList<>(size);
        sources.values().forEach(source -> source.callers().stream().filter(inUse::contains)
                .forEach(entry -> callers.add(entry.caller())));
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
        return untrustedCandidates;
    }

    /** The bounds of self-service grants that the sources set, added up. */
    Bounds bounds() {
        return bounds;
    }

    private Optional<MergedPolicy.Refused> refusal(CallerEntry entry) {
        Caller caller = entry.caller();
        return earlier(entry, "name", names, caller.name())
                .or(() -> caller.apiKeySha256().flatMap(key -> earlier(entry, "api-key-sha256", keys, key)))
                .or(() -> caller.serviceAccount().flatMap(account -> earlier(entry, "service-account", accounts,
                        accountField(caller, account))));
    }

    private static Optional<MergedPolicy.Refused> earlier(CallerEntry entry, String field, Map<String, List<Claim>> claims,
            String value) {
        CallerEntry first = claims.get(value).get(0).entry();
        return first == entry ? Optional.empty() : Optional.of(new MergedPolicy.Refused(entry, field, first));
    }

    private void use(CallerEntry entry) {
        inUse.add(entry);
        Caller caller = entry.caller();
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
            untrustedCandidates++;
        }
    }

    private void drop(CallerEntry entry) {
        inUse.remove(entry);
        Caller caller = entry.caller();
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
            untrustedCandidates--;
        }
    }

    /** Removes the mapping only if it is still this very caller, not an equal one put in its place. */
    private static <K> void removeIfStill(Map<K, Caller> map, K key, Caller caller) {
        map.computeIfPresent(key, (k, current) -> current == caller ? null : current);
    }

    private interface FieldAction {
        void on(Map<String, List<Claim>> claims, String value);
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

    private static void claim(Map<String, List<Claim>> claims, String value, Claim claim, Set<CallerEntry> affected) {
        List<Claim> list = claims.computeIfAbsent(value, v -> new ArrayList<>(1));
        int at = Collections.binarySearch(list, claim, ORDER);
        list.add(at < 0 ? -at - 1 : at, claim);
        list.forEach(c -> affected.add(c.entry()));
    }

    private static void unclaim(Map<String, List<Claim>> claims, String value, CallerEntry entry, Set<CallerEntry> affected) {
        List<Claim> list = claims.get(value);
        list.removeIf(claim -> claim.entry() == entry);
        if (list.isEmpty()) {
            claims.remove(value);
        } else {
            list.forEach(c -> affected.add(c.entry()));
        }
    }

    private static ByteBuffer digest(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex));
    }
}
