package dev.tokenbroker.caller;

/** A caller whose bearer value was verified, and how: {@code api-key} or {@code service-account}. */
public record AuthenticatedCaller(Caller caller, String method) {

    public String name() {
        return caller.name();
    }
}
