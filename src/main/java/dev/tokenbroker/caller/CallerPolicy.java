package dev.tokenbroker.caller;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The callers file as loaded: deny by default, allow what a caller's grants name. */
public record CallerPolicy(List<Caller> callers) {

    public static final CallerPolicy DENY_ALL = new CallerPolicy(List.of());

    public CallerPolicy {
        callers = List.copyOf(callers);
    }

    /**
     * The caller whose key has this SHA-256 digest. Every listed digest is compared, in constant time, so
     * the answer's timing says nothing about which caller or how much of a digest matched.
     */
    public Optional<Caller> byKeyDigest(byte[] digest) {
        Caller found = null;
        for (Caller caller : callers) {
            if (caller.apiKeySha256().isPresent()) {
                byte[] listed = HexFormat.of().parseHex(caller.apiKeySha256().get());
                if (MessageDigest.isEqual(listed, digest) && found == null) {
                    found = caller;
                }
            }
        }
        return Optional.ofNullable(found);
    }

    /** The caller bound to this Kubernetes ServiceAccount ({@code namespace/name}). */
    public Optional<Caller> byServiceAccount(String namespaceAndName) {
        return callers.stream().filter(c -> c.serviceAccount().filter(namespaceAndName::equals).isPresent()).findFirst();
    }
}
