package dev.tokenbroker.command;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialLoader;
import dev.tokenbroker.credential.CredentialsDirectory;
import dev.tokenbroker.reload.LastGood;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a credentials directory with the broker's own listing ({@link CredentialsDirectory}) and loader
 * ({@link CredentialLoader}): a credential the broker would refuse is an error per problem, each naming its file
 * (the broker reports the first); entries the broker ignores, and files no credential holds, are warnings.
 */
final class CredentialsCheck {

    /** The credentials found: those that load, by name, and the names of those that do not. */
    record Loaded(Path root, Map<String, Credential> valid, Set<String> invalid) {
        boolean has(String name) {
            return valid.containsKey(name) || invalid.contains(name);
        }
    }

    private final CredentialLoader loader;
    private final Findings findings;

    CredentialsCheck(CredentialLoader loader, Findings findings) {
        this.loader = loader;
        this.findings = findings;
    }

    /** Checks every credential under {@code root}; empty when the directory cannot be listed (an error, then). */
    Optional<Loaded> check(Path root) {
        CredentialsDirectory.Listing listing;
        try {
            listing = CredentialsDirectory.list(root);
        } catch (IOException e) {
            findings.error(root, "the credentials directory " + LastGood.Unusable.of(e).getMessage());
            return Optional.empty();
        }
        listing.invalidNames().forEach(name -> findings.warning(root.resolve(name),
                "ignored by the broker: a credential's directory is named [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"));
        listing.notDirectories().forEach(name -> findings.warning(root.resolve(name),
                "ignored by the broker: not a directory (each credential is a directory of files)"));
        if (listing.credentials().isEmpty()) {
            findings.warning(root, "holds no credential");
        }
        Map<String, Credential> valid = new TreeMap<>();
        Set<String> invalid = new TreeSet<>();
        listing.credentials().forEach((name, dir) -> {
            unknownFiles(dir);
            CredentialLoader.Result result = load(name, dir);
            if (result instanceof CredentialLoader.Valid loaded) {
                valid.put(name, loaded.credential());
            } else if (result instanceof CredentialLoader.Invalid refused) {
                invalid.add(name);
                for (CredentialLoader.Invalid problem : allProblems(name, dir, refused)) {
                    findings.error(".".equals(problem.file()) ? dir : dir.resolve(problem.file()), problem.problem());
                }
            }
        });
        findings.credentialsChecked(listing.credentials().size());
        return Optional.of(new Loaded(root, valid, invalid));
    }

    private CredentialLoader.Result load(String name, Path dir) {
        try {
            return loader.load(name, dir);
        } catch (RuntimeException e) { // a loader bug must not hide the other credentials' findings
            return new CredentialLoader.Invalid(name, ".", "cannot be checked (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Every problem of a credential the loader refused (it names only the first), that one at least. */
    private java.util.List<CredentialLoader.Invalid> allProblems(String name, Path dir, CredentialLoader.Invalid first) {
        try {
            java.util.List<CredentialLoader.Invalid> all = loader.problems(name, dir);
            return all.isEmpty() ? java.util.List.of(first) : all;
        } catch (RuntimeException e) {
            return java.util.List.of(first);
        }
    }

    private void unknownFiles(Path dir) {
        try {
            CredentialsDirectory.unknownFiles(dir).forEach(file -> findings.warning(dir.resolve(file),
                    "not a file the broker reads (see the credential files in docs/configuration.md); misspelt?"));
        } catch (IOException e) {
            findings.error(dir, LastGood.Unusable.of(e).getMessage());
        }
    }
}
