package dev.tokenbroker.command;

import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.caller.CallersFiles;
import dev.tokenbroker.caller.MergedPolicy;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.reload.LastGood;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a callers file with the broker's own parser ({@link CallersFile#read}): each problem that makes the broker
 * refuse the file is an error at its line. Then, against the credentials checked beside it, grants that name a
 * credential not there or scopes it does not have. ServiceAccount callers of a cluster that is not configured are one
 * of the parser's problems. A directory is checked file by file, in name order, and then as the broker merges the
 * files it would load ({@link MergedPolicy}): an entry whose name, key or ServiceAccount an earlier file lists is an
 * error at its line, naming the other place.
 */
final class CallersCheck {

    private final Set<String> clusters;
    private final boolean defaultClusterTrusted;
    private final Findings findings;

    CallersCheck(Set<String> clusters, Findings findings) {
        this(clusters, true, findings);
    }

    /**
     * {@code defaultClusterTrusted}: whether {@code tokenbroker.kubernetes.issuer} and {@code jwks-url} are set; if
     * not, a ServiceAccount caller that names no cluster is an error (its tokens are all refused).
     */
    CallersCheck(Set<String> clusters, boolean defaultClusterTrusted, Findings findings) {
        this.clusters = clusters;
        this.defaultClusterTrusted = defaultClusterTrusted;
        this.findings = findings;
    }

    /**
     * Checks {@code path}, a callers file or a directory of them; {@code credentials}, when given, are what the
     * grants are compared with.
     */
    void check(Path path, Optional<CredentialsCheck.Loaded> credentials) {
        List<Path> files = List.of(path);
        if (Files.isDirectory(path)) {
            try {
                files = CallersFiles.inDirectory(path);
            } catch (IOException e) {
                findings.error(path, "the callers directory " + LastGood.Unusable.of(e).getMessage());
                return;
            }
            if (files.isEmpty()) {
                findings.warning(path, "holds no *.yaml file: the broker would deny every caller");
            }
        }
        Map<Path, Findings> found = new LinkedHashMap<>();
        List<CallersFile.Entries> loadable = new ArrayList<>();
        int callers = 0;
        boolean anyRead = false;
        for (Path file : files) {
            Findings inFile = new Findings();
            found.put(file, inFile);
            Optional<CallersFile.Contents> contents = check(file, credentials, inFile);
            callers += contents.map(c -> c.callers().size()).orElse(0);
            anyRead |= contents.isPresent();
            contents.filter(c -> c.problems().isEmpty()).ifPresent(c -> loadable.add(entries(file, c)));
        }
        List<MergedPolicy.Refused> refused = MergedPolicy.of(loadable).refused();
        for (MergedPolicy.Refused refusal : refused) {
            found.get(Path.of(refusal.entry().place())).error(Path.of(refusal.entry().place()), refusal.entry().line(),
                    refusal.describe());
        }
        found.values().forEach(findings::addByLine);
        if (anyRead) {
            findings.callersChecked(callers - refused.size(), credentials.isPresent());
        }
    }

    private Optional<CallersFile.Contents> check(Path file, Optional<CredentialsCheck.Loaded> credentials, Findings findings) {
        CallersFile.Contents contents;
        try {
            contents = CallersFile.read(file, clusters);
        } catch (IOException e) {
            String problem = LastGood.Unusable.of(e).getMessage();
            findings.error(file, "the callers file " + (problem.startsWith("larger") ? "is " : "") + problem);
            return Optional.empty();
        }
        contents.problems().forEach(problem -> findings.error(file, problem.line(), problem.message()));
        for (CallersFile.Listed listed : contents.callers()) {
            Caller caller = listed.caller();
            if (!defaultClusterTrusted && caller.serviceAccount().isPresent() && caller.cluster().isEmpty()) {
                findings.error(file, listed.line(), "callers[" + listed.index() + "].service-account names a ServiceAccount"
                        + " of the default cluster, but tokenbroker.kubernetes.issuer and jwks-url are not both set: its"
                        + " tokens are never accepted");
            }
            credentials.ifPresent(loaded -> compare(file, listed, loaded, findings));
        }
        return Optional.of(contents);
    }

    private static void compare(Path file, CallersFile.Listed listed, CredentialsCheck.Loaded credentials, Findings findings) {
        Caller caller = listed.caller();
        for (int j = 0; j < caller.grants().size(); j++) {
            Grant grant = caller.grants().get(j);
            String where = "callers[" + listed.index() + "].grants[" + j + "]";
            int line = grant.line() > 0 ? grant.line() : listed.line();
            if (!credentials.has(grant.credential())) {
                findings.error(file, line, where + " names credential " + grant.credential() + ", which "
                        + credentials.root() + " does not hold (requests for it would answer 404 unknown_credential)");
                continue;
            }
            Credential credential = credentials.valid().get(grant.credential());
            if (credential == null || grant.allScopes()) {
                continue; // an invalid credential is reported with its own file
            }
            List<String> outside = grant.scopes().scopes().stream()
                    .filter(scope -> !credential.scopes().scopes().contains(scope)).toList();
            if (!outside.isEmpty()) {
                findings.error(file, line, where + " names scopes that "
                        + credentials.root().resolve(grant.credential()).resolve("scopes") + " does not list: "
                        + String.join(" ", outside) + " (requests for them would answer 400 invalid_scope)");
            }
        }
        caller.purge().stream().filter(name -> !"*".equals(name) && !credentials.has(name)).sorted()
                .forEach(name -> findings.warning(file, listed.line(), "callers[" + listed.index() + "].purge names credential "
                        + name + ", which " + credentials.root() + " does not hold"));
    }

    private static CallersFile.Entries entries(Path file, CallersFile.Contents contents) {
        try {
            return CallersFile.entries(file.toString(), contents);
        } catch (CallersFile.InvalidCallersFile e) {
            throw new IllegalStateException("a file without problems is loaded", e);
        }
    }
}
