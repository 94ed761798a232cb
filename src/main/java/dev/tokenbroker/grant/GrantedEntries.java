package dev.tokenbroker.grant;

import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.caller.GrantedAccounts;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The caller entries that accepted TokenGrants give: one per ServiceAccount named ({@code tokengrant:ns/name}),
 * holding its own grants and those of its namespace's {@code *} objects, and one per namespace with {@code *} objects
 * ({@code tokengrant:ns/*}) for its other ServiceAccounts. Several objects for one account add up.
 */
record GrantedEntries(GrantedAccounts accounts, int objects, int accepted) {

    static GrantedEntries of(Collection<TokenGrants.Reviewed> reviewed) {
        Map<String, List<Grant>> byAccount = new HashMap<>();
        Map<String, List<Grant>> byNamespace = new HashMap<>();
        int accepted = 0;
        for (TokenGrants.Reviewed one : reviewed) {
            if (one.verdict().grant().isEmpty()) {
                continue;
            }
            accepted++;
            String namespace = one.object().getMetadata().getNamespace();
            String account = one.object().getSpec().serviceAccount();
            ("*".equals(account) ? byNamespace.computeIfAbsent(namespace, n -> new ArrayList<>())
                    : byAccount.computeIfAbsent(namespace + "/" + account, n -> new ArrayList<>()))
                    .add(one.verdict().grant().get());
        }
        Map<String, Caller> accounts = new HashMap<>();
        byAccount.forEach((account, grants) -> {
            List<Grant> all = new ArrayList<>(grants);
            all.addAll(byNamespace.getOrDefault(account.substring(0, account.indexOf('/')), List.of()));
            accounts.put(account, caller(account, all));
        });
        Map<String, Caller> namespaces = new HashMap<>();
        byNamespace.forEach((namespace, grants) -> namespaces.put(namespace, caller(namespace + "/*", grants)));
        return new GrantedEntries(new GrantedAccounts(accounts, namespaces), reviewed.size(), accepted);
    }

    private static Caller caller(String account, List<Grant> grants) {
        return new Caller("tokengrant:" + account, Optional.empty(), Optional.of(account), grants, Set.of());
    }
}
