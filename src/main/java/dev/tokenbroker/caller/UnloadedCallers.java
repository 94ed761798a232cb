package dev.tokenbroker.caller;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys and ServiceAccounts that the callers file last read lists but the broker did not load: those of entries
 * with a problem, and, when the file was refused for any problem, those of its valid entries too (the broker keeps
 * its last good policy then). Consulted only when a caller is refused as unknown, so that its audit line says the
 * real reason ({@code caller_entry_not_loaded}, {@code callers_file_not_loaded}) and where the entry is.
 */
public final class UnloadedCallers {

    static final UnloadedCallers NONE = new UnloadedCallers(Map.of(), Map.of());

    /** Why one caller is not loaded, and where its entry is ({@code file:line}). */
    public record Unloaded(CallerRejected.Reason reason, String entry) {}

    private final Map<ByteBuffer, Unloaded> keys;
    private final Map<CallerPolicy.ClusterAccount, Unloaded> accounts;

    private UnloadedCallers(Map<ByteBuffer, Unloaded> keys, Map<CallerPolicy.ClusterAccount, Unloaded> accounts) {
        this.keys = keys;
        this.accounts = accounts;
    }

    /** What {@code file}, read as {@code contents}, lists without the broker loading it. */
    public static UnloadedCallers of(Path file, CallersFile.Contents contents) {
        if (contents.problems().isEmpty()) {
            return NONE;
        }
        Map<ByteBuffer, Unloaded> keys = new HashMap<>();
        Map<CallerPolicy.ClusterAccount, Unloaded> accounts = new HashMap<>();
        for (CallersFile.Dropped dropped : contents.dropped()) {
            Unloaded why = new Unloaded(CallerRejected.Reason.CALLER_ENTRY_NOT_LOADED, file + ":" + dropped.line());
            dropped.keyDigest().filter(d -> d.matches("[0-9a-f]{64}")).ifPresent(d -> keys.putIfAbsent(digest(d), why));
            dropped.serviceAccount().ifPresent(a -> accounts.putIfAbsent(new CallerPolicy.ClusterAccount(dropped.cluster(), a), why));
        }
        for (CallersFile.Listed listed : contents.callers()) {
            Unloaded why = new Unloaded(CallerRejected.Reason.CALLERS_FILE_NOT_LOADED, file + ":" + listed.line());
            Caller caller = listed.caller();
            caller.apiKeySha256().ifPresent(d -> keys.putIfAbsent(digest(d), why));
            caller.serviceAccount().ifPresent(a -> accounts.putIfAbsent(new CallerPolicy.ClusterAccount(caller.cluster(), a), why));
        }
        return new UnloadedCallers(Map.copyOf(keys), Map.copyOf(accounts));
    }

    /** What any of these lists, the first one's word winning where two list the same caller. */
    static UnloadedCallers union(java.util.Collection<UnloadedCallers> each) {
        List<UnloadedCallers> some = each.stream().filter(u -> u != NONE).toList();
        if (some.size() <= 1) {
            return some.isEmpty() ? NONE : some.get(0);
        }
        Map<ByteBuffer, Unloaded> keys = new HashMap<>();
        Map<CallerPolicy.ClusterAccount, Unloaded> accounts = new HashMap<>();
        some.forEach(u -> {
            u.keys.forEach(keys::putIfAbsent);
            u.accounts.forEach(accounts::putIfAbsent);
        });
        return new UnloadedCallers(Map.copyOf(keys), Map.copyOf(accounts));
    }

    public Optional<Unloaded> key(byte[] digest) {
        return Optional.ofNullable(keys.get(ByteBuffer.wrap(digest)));
    }

    /** The entry naming this ServiceAccount, else one naming its whole namespace ({@code namespace/*}), as a request looks. */
    Optional<Unloaded> account(CallerPolicy.ClusterAccount account) {
        Unloaded exact = accounts.get(account);
        return Optional.ofNullable(exact != null ? exact : accounts.get(new CallerPolicy.ClusterAccount(account.cluster(),
                account.namespace().namespace() + CallerPolicy.WHOLE_NAMESPACE)));
    }

    /** The ServiceAccount {@code namespaceAndName} of {@code cluster} (empty: the default cluster). */
    public Optional<Unloaded> account(Optional<String> cluster, String namespaceAndName) {
        return account(new CallerPolicy.ClusterAccount(cluster, namespaceAndName));
    }

    private static ByteBuffer digest(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex));
    }
}
