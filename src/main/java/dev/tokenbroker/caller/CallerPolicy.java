package dev.tokenbroker.caller;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The callers policy as loaded: deny by default, allow what a caller's grants name. Its look-ups (by key digest, by
 * cluster and ServiceAccount, by cluster and namespace for {@code namespace/*} entries) are the maps of a
 * {@link CallerIndex}, so a request costs one look-up (two for a ServiceAccount that only a namespace entry names)
 * however many callers are listed. A changed callers file changes those maps entry by entry, in proportion to the
 * file; each caller found is one immutable {@link Caller}, so a request sees one version of its caller throughout. The
 * bounds and the callers of TokenGrant objects are fixed per object: a change makes a new one around the same maps.
 */
public final class CallerPolicy {

    public static final CallerPolicy DENY_ALL = new CallerPolicy(List.of());

    private final CallerIndex index;
    private final Map<ByteBuffer, Caller> byKeyDigest;
    private final Map<ClusterAccount, Caller> byServiceAccount;
    private final Map<ClusterNamespace, Caller> byNamespace;
    private final Bounds bounds;
    private final GrantedAccounts granted;

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

    /**
     * The policy of these callers, in file order; a caller whose name, key or ServiceAccount is listed before is left
     * out, as a repeat in a later callers file is.
     */
    public CallerPolicy(List<Caller> callers) {
        this(callers, Bounds.NONE);
    }

    /** The policy of these callers, and the bounds of self-service grants that the same files set. */
    public CallerPolicy(List<Caller> callers, Bounds bounds) {
        this(CallerIndex.of(callers), bounds, GrantedAccounts.NONE);
    }

    /** The policy the index holds now; its look-ups follow the index as it changes. */
    CallerPolicy(CallerIndex index, Bounds bounds, GrantedAccounts granted) {
        this.index = index;
        this.byKeyDigest = index.byKeyDigest;
        this.byServiceAccount = index.byServiceAccount;
        this.byNamespace = index.byNamespace;
        this.bounds = bounds;
        this.granted = granted;
    }

    /**
     * This policy with the callers of another grant source (TokenGrant objects) beside its own: the maps of the
     * callers files are shared, not rebuilt. An account the callers files name keeps their entry alone.
     */
    public CallerPolicy withGranted(GrantedAccounts granted) {
        return granted == this.granted ? this : new CallerPolicy(index, bounds, granted);
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

    /** The callers in use, in file order; a pass over every entry, so not for requests (see {@link #size}). */
    public List<Caller> callers() {
        return index.callers();
    }

    /** How many callers of the callers files are in use. */
    public int size() {
        return index.size();
    }

    /** The callers in use that name a ServiceAccount of the default cluster. */
    int defaultClusterServiceAccounts() {
        return index.defaultClusterServiceAccounts();
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
        return other instanceof CallerPolicy policy && callers().equals(policy.callers()) && bounds.equals(policy.bounds);
    }

    @Override
    public int hashCode() {
        return callers().hashCode();
    }

    @Override
    public String toString() {
        return "CallerPolicy[callers=" + size() + ", bounds=" + bounds.bounds().size() + ", granted="
                + granted.size() + "]";
    }
}
