package dev.tokenbroker.caller;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The callers file as loaded: deny by default, allow what a caller's grants name.
 *
 * @param callers the callers, in file order
 * @param keyDigests each caller's static-key SHA-256, parsed once when the policy loads (empty: no static key);
 *        derived from {@code callers}, so equality looks at {@code callers} only
 */
public record CallerPolicy(List<Caller> callers, List<byte[]> keyDigests) {

    public static final CallerPolicy DENY_ALL = new CallerPolicy(List.of());

    public CallerPolicy {
        callers = List.copyOf(callers);
        keyDigests = List.copyOf(keyDigests);
    }

    public CallerPolicy(List<Caller> callers) {
        this(callers, callers.stream()
                .map(c -> c.apiKeySha256().map(hex -> HexFormat.of().parseHex(hex)).orElse(new byte[0]))
                .toList());
    }

    /**
     * The caller whose key has this SHA-256 digest. Every listed digest is compared, in constant time, so
     * the answer's timing says nothing about which caller or how much of a digest matched.
     */
    public Optional<Caller> byKeyDigest(byte[] digest) {
        Caller found = null;
        for (int i = 0; i < callers.size(); i++) {
            byte[] listed = keyDigests.get(i);
            if (listed.length > 0 && MessageDigest.isEqual(listed, digest) && found == null) {
                found = callers.get(i);
            }
        }
        return Optional.ofNullable(found);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CallerPolicy policy && callers.equals(policy.callers);
    }

    @Override
    public int hashCode() {
        return callers.hashCode();
    }

    /** The caller bound to this Kubernetes ServiceAccount ({@code namespace/name}). */
    public Optional<Caller> byServiceAccount(String namespaceAndName) {
        return callers.stream().filter(c -> c.serviceAccount().filter(namespaceAndName::equals).isPresent()).findFirst();
    }
}
