package dev.tokenbroker.caller;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.ScopeSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates the callers YAML file (docs/configuration.md, Callers), read entry by entry by {@link CallersYaml}. Unknown
 * fields are errors, so typos show.
 * {@link #read} finds every problem, each with its line; {@link #parse} is what the broker loads, refusing a file with any.
 */
public final class CallersFile {

    /**
     * Largest callers file read: room for 10,000 callers with a grant each (about 170 bytes an entry), below the
     * 3 MB a YAML document may hold. A ConfigMap holds at most 1 MiB; a larger file comes from another volume.
     */
    public static final long MAX_FILE_BYTES = 2 * 1024 * 1024;

    private static final Pattern CALLER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern SERVICE_ACCOUNT = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?|\\*)"); // namespace/* : all of it

    private CallersFile() {}

    /** A file that cannot be used; the message says where, without quoting keys. */
    public static final class InvalidCallersFile extends LastGood.Unusable {
        InvalidCallersFile(String message) {
            super(message);
        }
    }

    /** One thing wrong with the file: where (line, 1-based; 0 when unknown) and what, never quoting the file. */
    public record Problem(int line, String message) {
        public String describe() {
            return line > 0 ? message + " (line " + line + ")" : message;
        }
    }

    /** A caller as listed: its position in the file ({@code callers[index]}) and the line its entry starts on. */
    public record Listed(int index, int line, Caller caller) {}

    /**
     * An entry that is not loaded because it has a problem, and who it seems to list (a 64-hex value under any
     * field, its {@code service-account} and {@code cluster} as written), so that a refusal of that caller can say
     * its entry was not loaded rather than that it is unknown.
     */
    public record Dropped(int line, Optional<String> keyDigest, Optional<String> serviceAccount, Optional<String> cluster) {}

    /** What a file holds: every entry that is valid by itself, its valid bounds, every problem, and the entries dropped for one. */
    public record Contents(List<Listed> callers, Bounds bounds, List<Problem> problems, List<Dropped> dropped) {
        public Contents {
            callers = List.copyOf(callers);
            problems = List.copyOf(problems);
            dropped = List.copyOf(dropped);
        }

        /** A file without bounds, nothing dropped. */
        public Contents(List<Listed> callers, List<Problem> problems) {
            this(callers, Bounds.NONE, problems, List.of());
        }

        /** The policy the file gives, when it has no problem. */
        public Optional<CallerPolicy> policy() {
            return problems.isEmpty() ? Optional.of(new CallerPolicy(callers.stream().map(Listed::caller).toList(), bounds))
                    : Optional.empty();
        }
    }

    /** A file whose entries name no {@code cluster}: as when {@code tokenbroker.kubernetes.clusters} is empty. */
    public static CallerPolicy parse(byte[] yaml) throws InvalidCallersFile {
        return parse(yaml, Set.of());
    }

    /**
     * The policy of a file, as the broker loads it: a file with any problem is refused, naming the first. Its entries
     * may name the clusters of {@code tokenbroker.kubernetes.clusters} listed in {@code clusters}; an entry naming
     * another is a problem like any other.
     */
    public static CallerPolicy parse(byte[] yaml, Set<String> clusters) throws InvalidCallersFile {
        return policy(read(yaml, clusters));
    }

    /** The policy of a file read as {@code contents}, as the broker loads it: refused with any problem, naming the first. */
    public static CallerPolicy policy(Contents contents) throws InvalidCallersFile {
        refuseIfAnyProblem(contents);
        return contents.policy().orElseThrow();
    }

    private static void refuseIfAnyProblem(Contents contents) throws InvalidCallersFile {
        if (!contents.problems().isEmpty()) {
            int more = contents.problems().size() - 1;
            throw new InvalidCallersFile(contents.problems().get(0).describe()
                    + (more > 0 ? " and " + more + " more problem" + (more > 1 ? "s" : "") : ""));
        }
    }

    /**
     * The entries of one file of the callers policy, each with {@code place} (the file) and its line, as the broker
     * loads them, with its bounds: a file with any problem is refused whole, naming the first, as {@link #parse(byte[], Set)}.
     */
    public static Entries entries(String place, Contents contents) throws InvalidCallersFile {
        refuseIfAnyProblem(contents);
        return new Entries(contents.callers().stream().map(listed -> new CallerEntry(place, listed.line(), listed.caller()))
                .toList(), contents.bounds());
    }

    /** What one file of the callers policy gives the policy: its callers, each with its place, and its bounds. */
    public record Entries(List<CallerEntry> callers, Bounds bounds) {
        public static final Entries NONE = new Entries(List.of(), Bounds.NONE);

        public Entries {
            callers = List.copyOf(callers);
        }
    }

    /**
     * The callers policy at {@code path}, every entry and every problem: what {@code check} and {@code explain} read,
     * as the broker reads it. An {@link IOException} when it cannot be read at all.
     */
    public static Contents read(Path path, Set<String> clusters) throws IOException {
        return read(LastGood.readFile(path, MAX_FILE_BYTES), clusters);
    }

    /** {@link #read(byte[], Set)} for a broker that trusts no further cluster. */
    public static Contents read(byte[] yaml) {
        return read(yaml, Set.of());
    }

    /** Every entry and every problem of a file; a YAML syntax error ends the reading, at its line. */
    public static Contents read(byte[] yaml, Set<String> clusters) {
        List<Problem> problems = new ArrayList<>();
        CallersYaml.Document document = CallersYaml.document(yaml, problems);
        Bounds bounds = BoundsEntries.validate(document.bounds(), problems);
        return validate(document.callers(), bounds, problems, clusters);
    }

    private static Contents validate(List<CallersYaml.Located> entries, Bounds bounds, List<Problem> problems,
            Set<String> clusters) {
        List<Listed> callers = new ArrayList<>();
        List<Dropped> dropped = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> keys = new HashMap<>();
        Map<String, Integer> accounts = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            CallersYaml.Located located = entries.get(i);
            if (!located.readable()) {
                CallersYaml.Identity who = located.identity();
                dropped.add(new Dropped(located.line(), who.keyDigest(), who.serviceAccount(), who.cluster()));
                continue;
            }
            List<String> found = new ArrayList<>();
            Optional<Caller> caller = caller("callers[" + i + "]", i, located, names, keys, accounts, clusters,
                    found);
            found.forEach(problem -> problems.add(new Problem(located.line(), problem)));
            int index = i;
            caller.ifPresent(c -> callers.add(new Listed(index, located.line(), c)));
            CallersYaml.Entry entry = located.entry();
            if (caller.isEmpty() && entry != null) {
                dropped.add(new Dropped(located.line(), Optional.ofNullable(entry.apiKeySha256()).map(String::toLowerCase),
                        Optional.ofNullable(entry.serviceAccount()), Optional.ofNullable(entry.cluster())));
            }
        }
        problems.sort(Comparator.comparingInt(Problem::line)); // in file order (stable: one entry's stay in order)
        return new Contents(callers, bounds, problems, dropped);
    }

    private static Optional<Caller> caller(String where, int index, CallersYaml.Located located, Map<String, Integer> names,
            Map<String, Integer> keys, Map<String, Integer> accounts, Set<String> clusters, List<String> problems) {
        CallersYaml.Entry entry = located.entry();
        if (entry == null || entry.name() == null || !CALLER_NAME.matcher(entry.name()).matches()) {
            problems.add(where + ".name is missing or not [A-Za-z0-9._-]{1,63}");
        } else if (names.putIfAbsent(entry.name(), index) != null) {
            problems.add(where + ".name is a duplicate of callers[" + names.get(entry.name()) + "].name");
        }
        if (entry == null) {
            return Optional.empty();
        }
        Optional<String> key = Optional.ofNullable(entry.apiKeySha256()).map(String::toLowerCase);
        Optional<String> account = Optional.ofNullable(entry.serviceAccount());
        if (key.isEmpty() && account.isEmpty()) {
            problems.add(where + " needs api-key-sha256 or service-account");
        }
        if (key.isPresent() && !SHA256_HEX.matcher(key.get()).matches()) {
            problems.add(where + ".api-key-sha256 is not 64 hex digits");
        } else if (key.isPresent() && keys.putIfAbsent(key.get(), index) != null) {
            problems.add(where + ".api-key-sha256 is listed twice (also at callers[" + keys.get(key.get()) + "])");
        }
        Optional<String> cluster = cluster(where, entry, clusters, problems);
        // Keyed by the cluster as written, so that an entry whose cluster is refused is not also called a duplicate.
        String accountKey = Optional.ofNullable(entry.cluster()).map(c -> c + ":").orElse("") + account.orElse("");
        if (account.isPresent() && !SERVICE_ACCOUNT.matcher(account.get()).matches()) {
            problems.add(where + ".service-account is not namespace/name or namespace/*");
        } else if (account.isPresent() && accounts.putIfAbsent(accountKey, index) != null) {
            problems.add(where + ".service-account is listed twice" + Optional.ofNullable(entry.cluster())
                    .map(c -> " for cluster " + c).orElse("")
                    + " (also at callers[" + accounts.get(accountKey) + "])");
        }
        List<Grant> grants = grants(where, located, problems);
        Set<String> purge = purge(where, entry.purge(), problems);
        return problems.isEmpty() ? Optional.of(new Caller(entry.name(), key, account, cluster, grants, purge))
                : Optional.empty();
    }

    private static Optional<String> cluster(String where, CallersYaml.Entry entry, Set<String> clusters, List<String> problems) {
        if (entry.cluster() == null) {
            return Optional.empty();
        }
        if (entry.serviceAccount() == null) {
            problems.add(where + ".cluster is set without a service-account");
        } else if (!TrustedClusters.NAME.matcher(entry.cluster()).matches()) {
            problems.add(where + ".cluster is not a cluster name (a DNS label)");
        } else if (!clusters.contains(entry.cluster())) {
            problems.add(where + ".cluster names " + entry.cluster()
                    + ", which is not a cluster of tokenbroker.kubernetes.clusters: its tokens are never accepted");
        } else {
            return Optional.of(entry.cluster());
        }
        return Optional.empty();
    }

    private static Set<String> purge(String where, List<String> entries, List<String> problems) {
        Set<String> purge = new HashSet<>();
        for (String credential : entries == null ? List.<String>of() : entries) {
            if (credential == null || !("*".equals(credential) || Credential.NAME.matcher(credential).matches())) {
                problems.add(where + ".purge holds something that is not a credential name or \"*\"");
                return purge;
            }
            purge.add(credential);
        }
        return purge;
    }

    /** The grants of a bound; a problem for each that is not valid. */
    static List<Grant> grants(String where, List<CallersYaml.GrantEntry> entries, List<String> problems) {
        return grants(where, entries, j -> 0, problems);
    }

    private static List<Grant> grants(String where, CallersYaml.Located located, List<String> problems) {
        return grants(where, located.entry().grants(), j -> located.line(".grants[" + j + "]"), problems);
    }

    /** The grants listed, each with its line ({@code line} of its index); a problem for each that is not valid. */
    private static List<Grant> grants(String where, List<CallersYaml.GrantEntry> entries, java.util.function.IntUnaryOperator line,
            List<String> problems) {
        List<Grant> grants = new ArrayList<>();
        for (int j = 0; entries != null && j < entries.size(); j++) {
            CallersYaml.GrantEntry entry = entries.get(j);
            String at = where + ".grants[" + j + "]";
            if (entry == null || entry.credential() == null || !Credential.NAME.matcher(entry.credential()).matches()) {
                problems.add(at + ".credential is missing or not a valid credential name");
                continue;
            }
            List<String> scopes = entry.scopes() == null ? List.of() : entry.scopes();
            boolean all = scopes.contains("*");
            try {
                ScopeSet set = ScopeSet.parse(scopes.stream().filter(s -> !"*".equals(s)).toList());
                if (!all && set.isEmpty()) {
                    problems.add(at + ".scopes is empty (use \"*\" for every scope)");
                } else {
                    grants.add(new Grant(entry.credential(), set, all, line.applyAsInt(j)));
                }
            } catch (TokenException e) {
                problems.add(at + ".scopes holds an invalid scope");
            }
        }
        return grants;
    }
}
