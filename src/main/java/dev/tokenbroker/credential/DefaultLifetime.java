package dev.tokenbroker.credential;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a {@code default_lifetime} file: whole seconds ({@code 3600}) or a number with a unit ({@code 45m}, {@code 1h}, {@code 1d}). */
final class DefaultLifetime {

    private static final Pattern VALUE = Pattern.compile("([0-9]{1,9})\\s*([smhd]?)");

    private DefaultLifetime() {}

    /** @throws IllegalArgumentException when not such a value, not above 0 or longer than {@code max} */
    static Duration parse(String value, Duration max) {
        Matcher m = VALUE.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("must be seconds (3600) or a number with s, m, h or d (45m, 1h)");
        }
        long amount = Long.parseLong(m.group(1));
        Duration lifetime = switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofSeconds(amount);
        };
        if (lifetime.isZero() || lifetime.compareTo(max) > 0) {
            throw new IllegalArgumentException("must be above 0 and at most " + max.toSeconds()
                    + " s (tokenbroker.upstream.max-token-lifetime)");
        }
        return lifetime;
    }
}
