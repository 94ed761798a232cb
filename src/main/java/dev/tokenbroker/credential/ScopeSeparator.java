package dev.tokenbroker.credential;

import java.util.Arrays;
import java.util.Optional;

/** How scopes are joined in the upstream {@code scope} form field. */
public enum ScopeSeparator {
    /** {@code a,b}: Adobe IMS. */
    COMMA(","),
    /** {@code a b}: RFC 6749. */
    SPACE(" ");

    private final String separator;

    ScopeSeparator(String separator) {
        this.separator = separator;
    }

    public String separator() {
        return separator;
    }

    public static Optional<ScopeSeparator> of(String value) {
        return Arrays.stream(values()).filter(s -> s.name().equalsIgnoreCase(value)).findFirst();
    }
}
