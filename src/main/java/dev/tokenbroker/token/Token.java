package dev.tokenbroker.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An access token as minted upstream. {@code toString} never shows the token itself.
 *
 * @param issuedAt when the broker received it; with {@code expiresAt} it gives the upstream lifetime
 */
public record Token(String accessToken, String tokenType, Instant issuedAt, Instant expiresAt) {

    public Token {
        Objects.requireNonNull(accessToken);
        Objects.requireNonNull(issuedAt);
        Objects.requireNonNull(expiresAt);
        // RFC 6749 7.1: the type is case-insensitive; IMS says "bearer", callers expect "Bearer".
        tokenType = tokenType == null || tokenType.isBlank() || tokenType.equalsIgnoreCase("bearer") ? "Bearer" : tokenType;
    }

    /** How long the token lives in all, as the identity provider said. */
    public Duration lifetime() {
        return Duration.between(issuedAt, expiresAt);
    }

    public Duration remaining(Instant now) {
        return Duration.between(now, expiresAt);
    }

    /** Whether the token stays valid at least {@code minTtl} from {@code now}. */
    public boolean lastsFor(Duration minTtl, Instant now) {
        return !now.plus(minTtl).isAfter(expiresAt);
    }

    /**
     * Whether at least half of the token's life is left at {@code now}, that is {@code now - issuedAt <= expiresAt -
     * now}; counted in seconds and nanoseconds so that it allocates nothing.
     */
    public boolean halfLeft(Instant now) {
        long seconds = 2 * now.getEpochSecond() - issuedAt.getEpochSecond() - expiresAt.getEpochSecond();
        if (seconds < -2 || seconds > 2) {
            return seconds < 0; // the nanosecond parts add up to less than 2 s either way
        }
        long nanos = 2L * now.getNano() - issuedAt.getNano() - expiresAt.getNano();
        return seconds * 1_000_000_000L + nanos <= 0;
    }

    @Override
    public String toString() {
        return "Token[type=" + tokenType + ", expiresAt=" + expiresAt + "]";
    }
}
