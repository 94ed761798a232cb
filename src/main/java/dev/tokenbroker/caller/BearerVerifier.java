package dev.tokenbroker.caller;

import java.util.Optional;

/**
 * One way a caller proves who it is with its bearer value. Static keys are one; Kubernetes ServiceAccount
 * tokens plug in beside them as another implementation.
 */
public interface BearerVerifier {

    /** The caller this bearer value proves, or empty if this verifier does not recognise it. */
    Optional<AuthenticatedCaller> verify(String bearer, CallerPolicy policy);

    /**
     * The caller, if this verifier can prove it from memory alone: no I/O, no signature check, so that it may run
     * on an event-loop thread. Empty when it cannot tell that way (then {@link #verify} decides, on a worker).
     */
    default Optional<AuthenticatedCaller> verifyFromMemory(String bearer, CallerPolicy policy) {
        return Optional.empty();
    }
}
