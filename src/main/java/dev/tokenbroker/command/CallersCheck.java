package dev.tokenbroker.command;

import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.reload.LastGood;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a callers file with the broker's own parser ({@link CallersFile#read}): each problem that makes the broker
 * refuse the file is an error at its line. Then, against the credentials checked beside it, grants that name a
 * credential not there or scopes it does not have. ServiceAccount callers of a cluster that is not configured are one
 * of the parser's problems.
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

    /** Checks {@code file}; {@code credentials}, when given, are what its grants are compared with. */
    void check(Path file, Optional<CredentialsCheck.Loaded> credentials) {
        Findings found = new Findings();
        check(file, credentials, found);
        findings.addByLine(found);
    }

    private void check(Path file, Optional<CredentialsCheck.Loaded> credentials, Findings findings) {
        CallersFile.Contents contents;
        try {
            contents = CallersFile.read(file, clusters);
        } catch (IOException e) {
            String problem = LastGood.Unusable.of(e).getMessage();
            findings.error(file, "the callers file " + (problem.startsWith("larger") ? "is " : "") + problem);
            return;
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
        this.findings.callersChecked(contents.callers().size(), credentials.isPresent());
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
}
