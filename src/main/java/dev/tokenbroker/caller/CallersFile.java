package dev.tokenbroker.caller;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.ScopeSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * Parses and validates the callers YAML file (docs/configuration.md, Callers). Unknown fields are errors, so typos show.
 * {@link #read} finds every problem, each with its line; {@link #parse} is what the broker loads, refusing a file with any.
 */
public final class CallersFile {

    /**
     * Largest callers file read: room for 10,000 callers with a grant each (about 170 bytes an entry), below the
     * 3 MB a YAML document may hold. A ConfigMap holds at most 1 MiB; a larger file comes from another volume.
     */
    public static final long MAX_FILE_BYTES = 2 * 1024 * 1024;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private static final Pattern CALLER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern SERVICE_ACCOUNT = Pattern.compile(
            "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

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

    /** What a file holds: every entry that is valid by itself, and every problem. */
    public record Contents(List<Listed> callers, List<Problem> problems) {
        public Contents {
            callers = List.copyOf(callers);
            problems = List.copyOf(problems);
        }

        /** The policy the file gives, when it has no problem. */
        public Optional<CallerPolicy> policy() {
            return problems.isEmpty() ? Optional.of(new CallerPolicy(callers.stream().map(Listed::caller).toList()))
                    : Optional.empty();
        }
    }

    record Entry(
            String name,
            @JsonProperty("api-key-sha256") String apiKeySha256,
            @JsonProperty("service-account") String serviceAccount,
            String cluster,
            List<GrantEntry> grants,
            List<String> purge) {}

    record GrantEntry(String credential, List<String> scopes) {}

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
        Contents contents = read(yaml, clusters);
        if (!contents.problems().isEmpty()) {
            int more = contents.problems().size() - 1;
            throw new InvalidCallersFile(contents.problems().get(0).describe()
                    + (more > 0 ? " and " + more + " more problem" + (more > 1 ? "s" : "") : ""));
        }
        return contents.policy().orElseThrow();
    }

    /** {@link #read(byte[], Set)} for a broker that trusts no further cluster. */
    public static Contents read(byte[] yaml) {
        return read(yaml, Set.of());
    }

    /** Every entry and every problem of a file; a YAML syntax error ends the reading, at its line. */
    public static Contents read(byte[] yaml, Set<String> clusters) {
        List<Problem> problems = new ArrayList<>();
        List<Located> entries = new ArrayList<>();
        if (!new String(yaml, StandardCharsets.UTF_8).isBlank()) {
            try (JsonParser parser = YAML.createParser(yaml)) {
                entries = entries(parser, problems);
            } catch (IOException e) {
                // Jackson's message may quote the document; keep only the position.
                problems.add(new Problem(line(e), "not valid callers YAML"));
            }
        }
        return validate(entries, problems, clusters);
    }

    /**
     * An entry as read (null for an empty one), with the line it starts on; not {@code readable} when it could not
     * be bound, a problem that is recorded already.
     */
    private record Located(int line, Entry entry, boolean readable) {}

    private static List<Located> entries(JsonParser parser, List<Problem> problems) throws IOException {
        List<Located> entries = new ArrayList<>();
        JsonToken document = parser.nextToken();
        if (document == null) { // comments only (an empty file or a bare "---" is no callers)
            problems.add(new Problem(0, "not valid callers YAML: no document, only comments"));
            return entries;
        }
        if (document == JsonToken.VALUE_NULL) {
            return entries;
        }
        if (document != JsonToken.START_OBJECT) {
            problems.add(new Problem(line(parser), "not valid callers YAML: expected a mapping with callers"));
            return entries;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            int line = line(parser);
            boolean callers = "callers".equals(parser.currentName());
            JsonToken value = parser.nextToken();
            if (!callers) {
                problems.add(new Problem(line, "has an unknown field at the top (only callers)"));
                parser.skipChildren();
            } else if (value == JsonToken.START_ARRAY) {
                entries = new ArrayList<>(); // a second callers list replaces the first, as when bound at once
                readEntries(parser, entries, problems);
            } else if (value != JsonToken.VALUE_NULL) {
                problems.add(new Problem(line, "callers is not a list"));
                parser.skipChildren();
            }
        }
        return entries;
    }

    /** Reads each entry of the callers list on its own, so that one entry's mistake does not hide the next one's. */
    private static void readEntries(JsonParser parser, List<Located> entries, List<Problem> problems) throws IOException {
        JsonStreamContext list = parser.getParsingContext();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            int line = line(parser);
            try {
                entries.add(new Located(line, YAML.readValue(parser, Entry.class), true));
            } catch (DatabindException e) {
                // A value of the wrong kind: the token binding stopped at. An unknown field: the entry's first line,
                // since a record's fields are buffered and the field is found unknown only at the entry's end.
                int at = e instanceof UnrecognizedPropertyException ? line : Math.max(line(parser), line);
                problems.add(new Problem(at, "callers[" + entries.size() + "]" + mistake(e)));
                entries.add(new Located(line, null, false));
                while (parser.getParsingContext() != list) { // skip the rest of this entry
                    if (parser.nextToken() == null) {
                        return;
                    }
                }
            }
        }
    }

    /** What is wrong in an entry, by the schema's field names only (never a name or value from the file). */
    private static String mistake(DatabindException e) {
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
        boolean unknown = e instanceof UnrecognizedPropertyException;
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < path.size() - (unknown ? 1 : 0); i++) {
            JsonMappingException.Reference step = path.get(i);
            where.append(step.getFieldName() != null ? "." + step.getFieldName() : "[" + step.getIndex() + "]");
        }
        return where + (unknown ? " has an unknown field (a caller has name, api-key-sha256, service-account, cluster, grants, purge;"
                + " a grant credential, scopes)" : " has a value of the wrong kind");
    }

    private static int line(JsonParser parser) {
        return parser.currentTokenLocation().getLineNr();
    }

    private static int line(IOException e) {
        return e instanceof JsonProcessingException p && p.getLocation() != null ? Math.max(p.getLocation().getLineNr(), 0) : 0;
    }

    private static Contents validate(List<Located> entries, List<Problem> problems, Set<String> clusters) {
        List<Listed> callers = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> keys = new HashMap<>();
        Map<String, Integer> accounts = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            Located located = entries.get(i);
            if (!located.readable()) {
                continue;
            }
            List<String> found = new ArrayList<>();
            Optional<Caller> caller = caller("callers[" + i + "]", i, located.entry(), names, keys, accounts, clusters,
                    found);
            found.forEach(problem -> problems.add(new Problem(located.line(), problem)));
            int index = i;
            caller.ifPresent(c -> callers.add(new Listed(index, located.line(), c)));
        }
        problems.sort(Comparator.comparingInt(Problem::line)); // in file order (stable: one entry's stay in order)
        return new Contents(callers, problems);
    }

    private static Optional<Caller> caller(String where, int index, Entry entry, Map<String, Integer> names,
            Map<String, Integer> keys, Map<String, Integer> accounts, Set<String> clusters, List<String> problems) {
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
            problems.add(where + ".service-account is not namespace/name");
        } else if (account.isPresent() && accounts.putIfAbsent(accountKey, index) != null) {
            problems.add(where + ".service-account is listed twice" + Optional.ofNullable(entry.cluster())
                    .map(c -> " for cluster " + c).orElse("")
                    + " (also at callers[" + accounts.get(accountKey) + "])");
        }
        List<Grant> grants = grants(where, entry.grants(), problems);
        Set<String> purge = purge(where, entry.purge(), problems);
        return problems.isEmpty() ? Optional.of(new Caller(entry.name(), key, account, cluster, grants, purge))
                : Optional.empty();
    }

    private static Optional<String> cluster(String where, Entry entry, Set<String> clusters, List<String> problems) {
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

    private static List<Grant> grants(String where, List<GrantEntry> entries, List<String> problems) {
        List<Grant> grants = new ArrayList<>();
        for (int j = 0; entries != null && j < entries.size(); j++) {
            GrantEntry entry = entries.get(j);
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
                    grants.add(new Grant(entry.credential(), set, all));
                }
            } catch (TokenException e) {
                problems.add(at + ".scopes holds an invalid scope");
            }
        }
        return grants;
    }
}
