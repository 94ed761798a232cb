package dev.tokenbroker.caller;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.ScopeSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses and validates the callers YAML file (docs/configuration.md, Callers). Unknown fields are errors, so typos show. */
public final class CallersFile {

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

    record File(List<Entry> callers) {}

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
     * A file whose entries may name the clusters of {@code tokenbroker.kubernetes.clusters} listed in {@code clusters};
     * an entry naming another makes the whole file unusable, as any other broken entry does.
     */
    public static CallerPolicy parse(byte[] yaml, Set<String> clusters) throws InvalidCallersFile {
        if (new String(yaml, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return CallerPolicy.DENY_ALL;
        }
        File file;
        try {
            file = YAML.readValue(yaml, File.class);
        } catch (IOException e) {
            // Jackson's message may quote the document; keep only the position.
            String where = e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
                    ? " at line " + p.getLocation().getLineNr() : "";
            throw new InvalidCallersFile("not valid callers YAML" + where);
        }
        if (file == null || file.callers() == null) {
            return CallerPolicy.DENY_ALL;
        }
        List<Caller> callers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> keys = new HashSet<>();
        Set<String> accounts = new HashSet<>();
        for (int i = 0; i < file.callers().size(); i++) {
            Entry entry = file.callers().get(i);
            String where = "callers[" + i + "]";
            if (entry == null || entry.name() == null || !CALLER_NAME.matcher(entry.name()).matches()) {
                throw new InvalidCallersFile(where + ".name is missing or not [A-Za-z0-9._-]{1,63}");
            }
            if (!names.add(entry.name())) {
                throw new InvalidCallersFile(where + ".name is a duplicate");
            }
            Optional<String> key = Optional.ofNullable(entry.apiKeySha256()).map(String::toLowerCase);
            Optional<String> account = Optional.ofNullable(entry.serviceAccount());
            if (key.isEmpty() && account.isEmpty()) {
                throw new InvalidCallersFile(where + " needs api-key-sha256 or service-account");
            }
            if (key.isPresent() && (!SHA256_HEX.matcher(key.get()).matches() || !keys.add(key.get()))) {
                throw new InvalidCallersFile(where + ".api-key-sha256 is not 64 hex digits, or is listed twice");
            }
            if (account.isPresent() && !SERVICE_ACCOUNT.matcher(account.get()).matches()) {
                throw new InvalidCallersFile(where + ".service-account is not namespace/name");
            }
            Optional<String> cluster = cluster(where, entry, clusters);
            if (account.isPresent() && !accounts.add(cluster.map(c -> c + ":").orElse("") + account.get())) {
                throw new InvalidCallersFile(where + ".service-account is listed twice"
                        + cluster.map(c -> " for cluster " + c).orElse(""));
            }
            callers.add(new Caller(entry.name(), key, account, cluster, grants(where, entry.grants()),
                    purge(where, entry.purge())));
        }
        return new CallerPolicy(callers);
    }

    private static Optional<String> cluster(String where, Entry entry, Set<String> clusters) throws InvalidCallersFile {
        if (entry.cluster() == null) {
            return Optional.empty();
        }
        if (entry.serviceAccount() == null) {
            throw new InvalidCallersFile(where + ".cluster is set without a service-account");
        }
        if (!TrustedClusters.NAME.matcher(entry.cluster()).matches()) {
            throw new InvalidCallersFile(where + ".cluster is not a cluster name (a DNS label)");
        }
        if (!clusters.contains(entry.cluster())) {
            throw new InvalidCallersFile(where + ".cluster names " + entry.cluster()
                    + ", which is not a cluster of tokenbroker.kubernetes.clusters");
        }
        return Optional.of(entry.cluster());
    }

    private static Set<String> purge(String where, List<String> entries) throws InvalidCallersFile {
        Set<String> purge = new HashSet<>();
        for (String credential : entries == null ? List.<String>of() : entries) {
            if (credential == null || !("*".equals(credential) || Credential.NAME.matcher(credential).matches())) {
                throw new InvalidCallersFile(where + ".purge holds something that is not a credential name or \"*\"");
            }
            purge.add(credential);
        }
        return purge;
    }

    private static List<Grant> grants(String where, List<GrantEntry> entries) throws InvalidCallersFile {
        List<Grant> grants = new ArrayList<>();
        for (int j = 0; entries != null && j < entries.size(); j++) {
            GrantEntry entry = entries.get(j);
            String at = where + ".grants[" + j + "]";
            if (entry == null || entry.credential() == null || !Credential.NAME.matcher(entry.credential()).matches()) {
                throw new InvalidCallersFile(at + ".credential is missing or not a valid credential name");
            }
            List<String> scopes = entry.scopes() == null ? List.of() : entry.scopes();
            boolean all = scopes.contains("*");
            try {
                ScopeSet set = ScopeSet.parse(scopes.stream().filter(s -> !"*".equals(s)).toList());
                if (!all && set.isEmpty()) {
                    throw new InvalidCallersFile(at + ".scopes is empty (use \"*\" for every scope)");
                }
                grants.add(new Grant(entry.credential(), set, all));
            } catch (TokenException e) {
                throw new InvalidCallersFile(at + ".scopes holds an invalid scope");
            }
        }
        return grants;
    }
}
