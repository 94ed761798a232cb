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

    @Override
    public String toString() {
        return "Token[type=" + tokenType + ", expiresAt=" + expiresAt + "]";
    }
}
