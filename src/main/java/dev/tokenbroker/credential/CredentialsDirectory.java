package dev.tokenbroker.credential;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The credentials directory as the broker reads it (docs/configuration.md, Credentials): which entries are
 * credentials, which it ignores, and which files a credential's directory may hold. The registry and the
 * {@code check} command both list it here, so they cannot disagree.
 */
public final class CredentialsDirectory {

    /**
     * Every file a credential's directory may hold (the contract's table), and {@code ca.crt}, which a cert-manager
     * {@code kubernetes.io/tls} Secret carries beside {@code tls.crt} and {@code tls.key}.
     */
    public static final Set<String> FILES = Set.of("client_id", "client_secret", "client_secret_next", "federated_token_file", "private_key",
            "tls.key", "certificate", "tls.crt", "ca.crt", "key_id", "assertion_audience", "token_params",
            "default_lifetime", "scopes", "default_scopes", "token_url", "auth_method", "scope_separator", "ca_file",
            "org_id", "technical_account_id");

    /**
     * What a listing found: the credentials by name, and the entries skipped that do not start with {@code .}:
     * directories whose name is not a credential name, and entries that are not directories.
     */
    public record Listing(Map<String, Path> credentials, SortedSet<String> invalidNames, SortedSet<String> notDirectories) {}

    private CredentialsDirectory() {}

    /** The direct sub-directories of {@code root} that are credentials; entries starting with {@code .} are skipped. */
    public static Listing list(Path root) throws IOException {
        Map<String, Path> credentials = new TreeMap<>();
        SortedSet<String> invalidNames = new TreeSet<>();
        SortedSet<String> notDirectories = new TreeSet<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.forEach(entry -> {
                String name = entry.getFileName().toString();
                if (name.startsWith(".")) {
                    return; // the kubelet's ..data and timestamped folders
                }
                if (!Files.isDirectory(entry)) {
                    notDirectories.add(name);
                } else if (Credential.NAME.matcher(name).matches()) {
                    credentials.put(name, entry);
                } else {
                    invalidNames.add(name);
                }
            });
        }
        return new Listing(credentials, invalidNames, notDirectories);
    }

    /** Files of one credential's directory that no credential holds (a misspelt name, say); {@code .} entries skipped. */
    public static SortedSet<String> unknownFiles(Path credential) throws IOException {
        SortedSet<String> unknown = new TreeSet<>();
        try (Stream<Path> entries = Files.list(credential)) {
            entries.map(entry -> entry.getFileName().toString())
                    .filter(name -> !name.startsWith(".") && !FILES.contains(name))
                    .forEach(unknown::add);
        }
        return unknown;
    }
}
