package dev.tokenbroker.grant;

import dev.tokenbroker.caller.Grant;
import java.util.Optional;

/**
 * What the broker made of one TokenGrant: accepted with the grant it gives, or not and why. Written to the object's
 * status as its {@code Accepted} condition, whose {@code reason} is one of the constants here.
 */
public record Verdict(boolean accepted, String reason, String message, Optional<Grant> grant) {

    public static final String WITHIN_BOUNDS = "WithinBounds";
    public static final String OUTSIDE_BOUNDS = "OutsideBounds";
    public static final String UNKNOWN_CREDENTIAL = "UnknownCredential";
    public static final String INVALID = "Invalid";

    static Verdict accepted(Grant grant, String message) {
        return new Verdict(true, WITHIN_BOUNDS, message, Optional.of(grant));
    }

    static Verdict refused(String reason, String message) {
        return new Verdict(false, reason, message, Optional.empty());
    }
}
