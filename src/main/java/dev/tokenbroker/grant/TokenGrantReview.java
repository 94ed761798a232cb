package dev.tokenbroker.grant;

import dev.tokenbroker.caller.Bounds;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one evaluation of a TokenGrant: valid, then within its namespace's bounds, then naming a loaded credential.
 * Bounds come before the credential, so that a namespace learns nothing of credentials outside its bounds. Pure: the
 * same object, bounds and credentials give the same verdict.
 */
final class TokenGrantReview {

    /** A ServiceAccount name (a DNS subdomain), or {@code *} for every ServiceAccount of the namespace. */
    static final Pattern SERVICE_ACCOUNT = Pattern.compile("\\*|[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");

    private TokenGrantReview() {}

    static Verdict review(String namespace, TokenGrant.Spec spec, Bounds bounds, Set<String> credentials) {
        if (spec == null) {
            return Verdict.refused(Verdict.INVALID, "spec is missing");
        }
        if (spec.serviceAccount() == null || !SERVICE_ACCOUNT.matcher(spec.serviceAccount()).matches()) {
            return Verdict.refused(Verdict.INVALID, "spec.serviceAccount is missing or not a ServiceAccount name or \"*\"");
        }
        if (spec.credential() == null || !Credential.NAME.matcher(spec.credential()).matches()) {
            return Verdict.refused(Verdict.INVALID, "spec.credential is missing or not a credential name");
        }
        List<String> scopes = spec.scopes() == null ? List.of() : spec.scopes();
        boolean all = scopes.contains("*");
        ScopeSet set;
        try {
            set = ScopeSet.parse(scopes.stream().filter(s -> s != null && !"*".equals(s)).toList());
        } catch (TokenException e) {
            return Verdict.refused(Verdict.INVALID, "spec.scopes holds an invalid scope");
        }
        if (!all && set.isEmpty()) {
            return Verdict.refused(Verdict.INVALID, "spec.scopes is empty (\"*\" for every scope the bounds allow)");
        }
        if (!bounds.reach(namespace, spec.credential(), set, all)) {
            return Verdict.refused(Verdict.OUTSIDE_BOUNDS, (bounds.reach(namespace, spec.credential())
                    ? "scopes beyond what the bounds of namespace " + namespace + " allow for credential " + spec.credential()
                    : "the bounds of namespace " + namespace + " do not reach credential " + spec.credential())
                    + " (bounds: in the broker's callers files)");
        }
        if (!credentials.contains(spec.credential())) {
            return Verdict.refused(Verdict.UNKNOWN_CREDENTIAL, "credential " + spec.credential() + " is not loaded by the broker");
        }
        return Verdict.accepted(new Grant(spec.credential(), set, all), ("*".equals(spec.serviceAccount())
                ? "every ServiceAccount of namespace " + namespace : "ServiceAccount " + namespace + "/" + spec.serviceAccount())
                + " may have tokens of credential " + spec.credential() + " with " + (all ? "every scope" : "scopes " + set));
    }
}
