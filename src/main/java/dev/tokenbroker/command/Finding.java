package dev.tokenbroker.command;

import java.util.Locale;
import java.util.Objects;

/**
 * One thing {@code check} found: in which file (and line, 0 when none applies) and what is wrong there. The message
 * names fields and rules, never a file's content.
 */
record Finding(Severity severity, String file, int line, String message) {

    /** An error is something the broker would refuse; a warning, something it accepts that is likely a mistake. */
    enum Severity {
        ERROR, WARNING;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    Finding {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(file);
        Objects.requireNonNull(message);
    }

    /** {@code error credentials/adobe-admin/client_secret: missing or empty}; a line after the file. */
    String text() {
        return severity.label() + " " + file + (line > 0 ? ":" + line : "") + ": " + message;
    }
}
