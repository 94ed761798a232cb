package dev.tokenbroker.caller;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The callers policy as loaded: deny by default, allow what a caller's grants name. Immutable; its look-ups (by key
 * digest, by cluster and ServiceAccount, by cluster and namespace for {@code namespace/*} entries) are maps built once
 * when the policy loads, so a request costs one look-up (two for a ServiceAccount that only a namespace entry names)
 * however many callers are listed, and a reload swaps the whole policy, maps included, in one step.
 */
public final class CallerPolicy {

    public static final CallerPolicy DENY_ALL = new CallerPolicy(List.of());

    private final List<Caller> callers;
    private final Map<ByteBuffer, Caller> byKeyDigest;
    private final Map<ClusterAccount, Caller> byServiceAccount;
    private final Bounds bounds;
    private final GrantedAccounts granted;
    private final Map<ClusterNamespace, Caller> byNamespace;

    /**
     * A ServiceAccount ({@code namespace/name}) of a cluster ({@code cluster} empty: the default cluster): the key a
     * ServiceAccount caller is found by, with its namespace's key for {@code namespace/*} entries. A verified token
     * keeps its own, so a remembered one costs no new key.
     */
    record ClusterAccount(Optional<String> cluster, String namespaceAndName, ClusterNamespace namespace) {
        ClusterAccount(Optional<String> cluster, String namespaceAndName) {
            this(cluster, namespaceAndName, new ClusterNamespace(cluster,
                    namespaceAndName.substring(0, Math.max(namespaceAndName.indexOf('/'), 0))));
        }

        // The namespace follows from the name: equal and hashed by cluster and name alone, as before it was kept.
        @Override
        public boolean equals(Object other) {
            return other instanceof ClusterAccount account && cluster.equals(account.cluster)
                    && namespaceAndName.equals(account.namespaceAndName);
        }

        @Override
        public int hashCode() {
            return 31 * cluster.hashCode() + namespaceAndName.hashCode();
        }
    }

    /** A namespace of a cluster: the key a {@code namespace/*} entry is found by. */
    record ClusterNamespace(Optional<String> cluster, String namespace) {}

    /** The policy of these callers, in file order; when a key or ServiceAccount is listed twice the first wins. */
    public CallerPolicy(List<Caller> callers) {
        this(callers, Bounds.NONE);
    }

    /** The policy of these callers, and the bounds of self-service grants that the same files set. */
    public CallerPolicy(List<Caller> callers, Bounds bounds) {
        this.callers = List.copyOf(callers);
        this.bounds = bounds;
        this.granted = GrantedAccounts.NONE;
        Map<ByteBuffer, Caller> keys = new HashMap<>(this.callers.size() * 4 / 3 + 1);
        Map<ClusterAccount, Caller> accounts = new HashMap<>(this.callers.size() * 4 / 3 + 1);
        Map<ClusterNamespace, Caller> namespaces = new HashMap<>();
        for (Caller caller : this.callers) {
            caller.apiKeySha256().ifPresent(hex -> keys.putIfAbsent(ByteBuffer.wrap(HexFormat.of().parseHex(hex)), caller));
            caller.serviceAccount().ifPresent(account -> {
                ClusterAccount key = new ClusterAccount(caller.cluster(), account);
                if (account.endsWith(WHOLE_NAMESPACE)) {
                    namespaces.putIfAbsent(key.namespace(), caller);
                } else {
                    accounts.putIfAbsent(key, caller);
                }
            });
        }
        this.byKeyDigest = Map.copyOf(keys);
        this.byServiceAccount = Map.copyOf(accounts);
        this.byNamespace = Map.copyOf(namespaces);
    }

    private CallerPolicy(CallerPolicy files, GrantedAccounts granted) {
        this.callers = files.callers;
        this.byKeyDigest = files.byKeyDigest;
        this.byServiceAccount = files.byServiceAccount;
        this.byNamespace = files.byNamespace;
        this.bounds = files.bounds;
        this.granted = granted;
    }

    /**
     * This policy with the callers of another grant source (TokenGrant objects) beside its own: the maps of the
     * callers files are shared, not rebuilt. An account the callers files name keeps their entry alone.
     */
    public CallerPolicy withGranted(GrantedAccounts granted) {
        return granted == this.granted ? this : new CallerPolicy(this, granted);
    }

    /** The bounds of self-service grants, per namespace. */
    public Bounds bounds() {
        return bounds;
    }

    /** The callers from TokenGrant objects in use beside the files' callers. */
    public GrantedAccounts granted() {
        return granted;
    }

    /** The end of a {@code service-account} that names every ServiceAccount of its namespace. */
    static final String WHOLE_NAMESPACE = "/*";

    /** The callers, in file order. */
    public List<Caller> callers() {
        return callers;
    }

    /**
     * The caller whose key has this SHA-256 digest. A map look-up is not constant-time: its cost may depend on how
     * many leading bytes of the digest match a listed one. That tells an attacker nothing useful: the digest is of a
     * key they do not know, they cannot choose inputs whose SHA-256 shares a prefix with it, and a listed digest,
     * even if learned whole, does not give the high-entropy key back.
     */
    public Optional<Caller> byKeyDigest(byte[] digest) {
        return Optional.ofNullable(byKeyDigest.get(ByteBuffer.wrap(digest)));
    }

    /**
     * The caller bound to this Kubernetes ServiceAccount ({@code namespace/name}) of the default cluster: the entry
     * naming it, else the entry naming its whole namespace ({@code namespace/*}).
     */
    public Optional<Caller> byServiceAccount(String namespaceAndName) {
        return byServiceAccount(Optional.empty(), namespaceAndName);
    }

    /**
     * The caller bound to this ServiceAccount of this cluster ({@code cluster} empty: the default one); the same
     * {@code namespace/name} of another cluster is another ServiceAccount.
     */
    public Optional<Caller> byServiceAccount(Optional<String> cluster, String namespaceAndName) {
        return byServiceAccount(new ClusterAccount(cluster, namespaceAndName));
    }

    Optional<Caller> byServiceAccount(ClusterAccount account) {
        Caller caller = byServiceAccount.get(account);
        if (caller == null) {
            caller = byNamespace.get(account.namespace());
        }
        if (caller == null && account.cluster().isEmpty()) { // TokenGrants are for the default cluster only
            caller = granted.find(account.namespaceAndName());
        }
        return Optional.ofNullable(caller);
    }

    /** Equal when the callers files say the same (callers and bounds), whatever other sources add. */
    @Override
    public boolean equals(Object other) {
        return other instanceof CallerPolicy policy && callers.equals(policy.callers) && bounds.equals(policy.bounds);
    }

    @Override
    public int hashCode() {
        return callers.hashCode();
    }

    @Override
    public String toString() {
        return "CallerPolicy[callers=" + callers.size() + ", bounds=" + bounds.bounds().size() + ", granted="
                + granted.size() + "]";
    }
}
