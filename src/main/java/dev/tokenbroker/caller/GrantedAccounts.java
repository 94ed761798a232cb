package dev.tokenbroker.caller;

import java.util.Map;

/**
 * Callers from a grant source other than the callers files (TokenGrant objects), for ServiceAccounts of the default
 * cluster: by {@code namespace/name}, and by namespace for those that name every ServiceAccount of it ({@code *}).
 * An entry by name already holds its namespace's grants. Immutable; built by the source and swapped in whole.
 *
 * <p>A ServiceAccount that a callers file names is the platform's: its entry there is all it gets, and these are
 * not consulted for it (docs/configuration.md, Grants for many teams).
 */
public record GrantedAccounts(Map<String, Caller> byServiceAccount, Map<String, Caller> byNamespace) {

    public static final GrantedAccounts NONE = new GrantedAccounts(Map.of(), Map.of());

    public GrantedAccounts {
        byServiceAccount = Map.copyOf(byServiceAccount);
        byNamespace = Map.copyOf(byNamespace);
    }

    /** The caller for a ServiceAccount ({@code namespace/name}) of the default cluster, or null. */
    Caller find(String namespaceAndName) {
        if (byServiceAccount.isEmpty() && byNamespace.isEmpty()) {
            return null;
        }
        Caller caller = byServiceAccount.get(namespaceAndName);
        int slash = namespaceAndName.indexOf('/');
        return caller != null || slash < 0 ? caller : byNamespace.get(namespaceAndName.substring(0, slash));
    }

    /** How many entries there are, by name and by namespace. */
    public int size() {
        return byServiceAccount.size() + byNamespace.size();
    }
}
