package dev.tokenbroker.command;

import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.caller.CallerEntry;
import dev.tokenbroker.caller.CallerPolicy;
import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.caller.CallersFiles;
import dev.tokenbroker.caller.MergedPolicy;
import dev.tokenbroker.caller.UnloadedCallers;
import dev.tokenbroker.reload.LastGood;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The callers policy of a callers file or directory, read once for {@code explain} as the broker loads it
 * (docs/configuration.md, Grants for many teams): the files the broker reads, in its order
 * ({@link CallersFiles#inDirectory}), each read by the broker's parser, and the good ones merged by
 * {@link MergedPolicy}, so an entry that repeats an earlier file's name, key or ServiceAccount is refused and the bounds
 * add up. A file the broker refuses is set aside with its problems: offline there is no last good version of it.
 */
final class OfflinePolicy {

    /** A file the broker refuses: its problems (at least one) and what it lists without loading it. */
    record Broken(Path file, List<CallersFile.Problem> problems, UnloadedCallers unloaded) {
        /** {@code the broker refuses FILE (2 problems, the first at line 3: ...; run check)}. */
        String describe() {
            CallersFile.Problem first = problems.get(0);
            return "the broker refuses " + file + " (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
                    + (first.line() > 0 ? ", the first at line " + first.line() : "") + ": " + first.message()
                    + "; run check)";
        }

        /** What it lists for the caller asked about, without loading it. */
        Optional<UnloadedCallers.Unloaded> lists(Who who) {
            return who.keySha256() != null ? unloaded.key(HexFormat.of().parseHex(who.keySha256()))
                    : unloaded.account(who.cluster(), who.serviceAccount());
        }
    }

    /** A caller asked about: a key digest (lower-case hex), or a ServiceAccount of a cluster (empty: the default one). */
    record Who(String keySha256, Optional<String> cluster, String serviceAccount) {
        /** Whether {@code caller}'s entry names this key or ServiceAccount, or the ServiceAccount's whole namespace. */
        boolean named(Caller caller) {
            if (keySha256 != null) {
                return caller.apiKeySha256().filter(keySha256::equals).isPresent();
            }
            return caller.cluster().equals(cluster) && caller.serviceAccount()
                    .filter(account -> account.equals(serviceAccount) || account.equals(namespace() + "/*")).isPresent();
        }

        String namespace() {
            return serviceAccount.substring(0, serviceAccount.indexOf('/'));
        }
    }

    private final Path path;
    private final boolean directory;
    private final MergedPolicy merged;
    private final Map<Caller, CallerEntry> entries;
    private final List<Broken> broken;

    private OfflinePolicy(Path path, boolean directory, MergedPolicy merged, Map<Caller, CallerEntry> entries,
            List<Broken> broken) {
        this.path = path;
        this.directory = directory;
        this.merged = merged;
        this.entries = entries;
        this.broken = List.copyOf(broken);
    }

    /**
     * The policy at {@code path}, a callers file or a directory of them; entries may name the further
     * {@code clusters}. An {@link IOException} when the directory cannot be listed, or the one file not read at all.
     */
    static OfflinePolicy read(Path path, Set<String> clusters) throws IOException {
        boolean directory = Files.isDirectory(path);
        List<Path> files = directory ? CallersFiles.inDirectory(path) : List.of(path);
        List<CallersFile.Entries> sources = new ArrayList<>();
        List<Broken> broken = new ArrayList<>();
        for (Path file : files) {
            CallersFile.Contents contents;
            try {
                contents = CallersFile.read(file, clusters);
            } catch (IOException e) {
                if (!directory) {
                    throw e;
                }
                contents = new CallersFile.Contents(List.of(), List.of(new CallersFile.Problem(0,
                        "the callers file " + LastGood.Unusable.of(e).getMessage())));
            }
            if (contents.problems().isEmpty()) {
                sources.add(entries(file, contents));
            } else {
                broken.add(new Broken(file, contents.problems(), UnloadedCallers.of(file, contents)));
            }
        }
        MergedPolicy merged = MergedPolicy.of(sources);
        Map<Caller, CallerEntry> entries = new IdentityHashMap<>();
        sources.forEach(source -> source.callers().forEach(entry -> entries.put(entry.caller(), entry)));
        return new OfflinePolicy(path, directory, merged, entries, broken);
    }

    /** The file or directory read. */
    Path path() {
        return path;
    }

    /** Whether it is a directory of callers files. */
    boolean directory() {
        return directory;
    }

    /** The entry the broker finds for {@code who}, as a request finds it: the exact one first, then its namespace's. */
    Optional<CallerEntry> find(Who who) {
        CallerPolicy policy = merged.policy();
        Optional<Caller> caller = who.keySha256() != null ? policy.byKeyDigest(HexFormat.of().parseHex(who.keySha256()))
                : policy.byServiceAccount(who.cluster(), who.serviceAccount());
        return caller.map(entries::get);
    }

    /** The entry for the whole namespace of {@code who}'s ServiceAccount ({@code namespace/*}), if one is loaded. */
    Optional<CallerEntry> namespaceEntry(Who who) {
        return who.keySha256() != null ? Optional.empty()
                : merged.policy().byServiceAccount(who.cluster(), who.namespace() + "/*").map(entries::get)
                        .filter(entry -> entry.caller().serviceAccount().orElse("").endsWith("/*"));
    }

    /** Every entry loaded, in the broker's order. */
    List<CallerEntry> loaded() {
        return merged.policy().callers().stream().map(entries::get).toList();
    }

    /** Entries that name {@code who} but are refused because an earlier file lists their name, key or ServiceAccount. */
    List<MergedPolicy.Refused> refusedNaming(Who who) {
        return merged.refused().stream().filter(refused -> who.named(refused.entry().caller())).toList();
    }

    /** The files the broker refuses, in name order. */
    List<Broken> broken() {
        return broken;
    }

    private static CallersFile.Entries entries(Path file, CallersFile.Contents contents) {
        try {
            return CallersFile.entries(file.toString(), contents);
        } catch (CallersFile.InvalidCallersFile e) {
            throw new IllegalStateException("a file without problems is loaded", e);
        }
    }
}
