package dev.tokenbroker.credential;

/** A secret value that never shows itself in {@code toString}, so it cannot slip into a log line. */
public record Secret(String value) {

    public Secret {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("empty secret");
        }
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
