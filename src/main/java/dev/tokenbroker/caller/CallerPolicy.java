package dev.tokenbroker.caller;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The callers file as loaded: deny by default, allow what a caller's grants name. Immutable; its look-ups (by key
 * digest, by cluster and ServiceAccount) are maps built once when the policy loads, so a request costs one look-up however many
 * callers are listed, and a reload swaps the whole policy, maps included, in one step.
 */
public final class CallerPolicy {

    public static final CallerPolicy DENY_ALL = new CallerPolicy(List.of());

    private final List<Caller> callers;
    private final Map<ByteBuffer, Caller> byKeyDigest;
    private final Map<ClusterAccount, Caller> byServiceAccount;

    /**
     * A ServiceAccount ({@code namespace/name}) of a cluster ({@code cluster} empty: the default cluster): the key a
     * ServiceAccount caller is found by. A verified token keeps its own, so a remembered one costs no new key.
     */
    record ClusterAccount(Optional<String> cluster, String namespaceAndName) {}

    /** The policy of these callers, in file order; when a key or ServiceAccount is listed twice the first wins. */
    public CallerPolicy(List<Caller> callers) {
        this.callers = List.copyOf(callers);
        Map<ByteBuffer, Caller> keys = new HashMap<>();
        Map<ClusterAccount, Caller> accounts = new HashMap<>();
        for (Caller caller : this.callers) {
            caller.apiKeySha256().ifPresent(hex -> keys.putIfAbsent(ByteBuffer.wrap(HexFormat.of().parseHex(hex)), caller));
            caller.serviceAccount().ifPresent(account -> accounts.putIfAbsent(new ClusterAccount(caller.cluster(), account), caller));
        }
        this.byKeyDigest = Map.copyOf(keys);
        this.byServiceAccount = Map.copyOf(accounts);
    }

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

    /** The caller bound to this Kubernetes ServiceAccount ({@code namespace/name}) of the default cluster. */
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
        return Optional.ofNullable(byServiceAccount.get(account));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CallerPolicy policy && callers.equals(policy.callers);
    }

    @Override
    public int hashCode() {
        return callers.hashCode();
    }

    @Override
    public String toString() {
        return "CallerPolicy[callers=" + callers.size() + "]";
    }
}
