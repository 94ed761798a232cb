package dev.tokenbroker.token;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How long a token handed out must stay valid (docs/api.md#min_ttl). A {@code min_ttl} the request names is held as
 * it is: a token whose whole life is shorter can never meet it, which is the caller's mistake (a 400). The default,
 * {@code tokenbroker.tokens.min-ttl}, asks never more than half of a token's life, so a provider whose tokens live 5
 * minutes (Keycloak's default) is served by a default of 300 s.
 *
 * @param explicit whether the request named it; else it is the default
 */
public record MinTtl(Duration duration, boolean explicit) {

    public MinTtl {
        Objects.requireNonNull(duration);
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a negative min_ttl");
        }
    }

    /** The configured default, bounded by half of each token's life. */
    public static MinTtl byDefault(Duration duration) {
        return new MinTtl(duration, false);
    }

    /** A {@code min_ttl} the request named. */
    public static MinTtl named(Duration duration) {
        return new MinTtl(duration, true);
    }

    /** Whether no token of this life can ever meet it: only a named {@code min_ttl} longer than the life. */
    public boolean beyondLifeOf(Token token) {
        return explicit && duration.compareTo(token.lifetime()) > 0;
    }

    /**
     * Whether the token stays valid long enough from {@code now}: {@code duration}, or for the default, at least half
     * of its life (whichever is less). Allocates nothing beyond {@link Token#lastsFor}: it is asked on every answer
     * from memory.
     */
    public boolean metBy(Token token, Instant now) {
        return token.lastsFor(duration, now) || !explicit && token.halfLeft(now);
    }
}
