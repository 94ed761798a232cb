package dev.tokenbroker.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The default min_ttl is bounded by half a token's life; a named one is held as it is (docs/api.md#min_ttl). */
class MinTtlTest {

    private static final Instant MINTED = Instant.parse("2026-12-04T10:00:00.250Z");
    private static final MinTtl DEFAULT = MinTtl.byDefault(Duration.ofSeconds(300));

    @Test
    void theDefaultServesAFiveMinuteTokenUntilHalfOfItIsLeft() {
        Token token = token(Duration.ofSeconds(299)); // Keycloak's 300 s, read from the JWT exp and the provider's clock
        assertThat(DEFAULT.beyondLifeOf(token)).isFalse();
        assertThat(DEFAULT.metBy(token, MINTED)).isTrue();
        assertThat(DEFAULT.metBy(token, MINTED.plusMillis(149_500))).as("exactly half left").isTrue();
        assertThat(DEFAULT.metBy(token, MINTED.plusMillis(149_501))).isFalse();
        assertThat(DEFAULT.metBy(token, MINTED.plusSeconds(290))).isFalse();
    }

    @Test
    void theDefaultServesALongTokenUntilMinTtlIsLeft() {
        Token token = token(Duration.ofSeconds(86_399));
        assertThat(DEFAULT.metBy(token, MINTED.plusSeconds(86_099))).isTrue();
        assertThat(DEFAULT.metBy(token, MINTED.plusSeconds(86_100))).isFalse();
    }

    @Test
    void aNamedMinTtlIsHeldAsItIsAndBeyondTheLifeCanNeverBeMet() {
        Token token = token(Duration.ofSeconds(299));
        assertThat(MinTtl.named(Duration.ofSeconds(300)).beyondLifeOf(token)).isTrue();
        assertThat(MinTtl.named(Duration.ofSeconds(299)).beyondLifeOf(token)).isFalse();
        assertThat(MinTtl.named(Duration.ofSeconds(200)).metBy(token, MINTED.plusSeconds(99))).isTrue();
        assertThat(MinTtl.named(Duration.ofSeconds(200)).metBy(token, MINTED.plusSeconds(100))).isFalse();
    }

    @Test
    void halfLeftHoldsAcrossSecondBoundariesAndFarFromThem() {
        Token token = new Token("t", "Bearer", Instant.parse("2026-12-04T10:00:00.900Z"), Instant.parse("2026-12-04T10:00:02.100Z"));
        assertThat(token.halfLeft(Instant.parse("2026-12-04T10:00:01.500Z"))).isTrue();
        assertThat(token.halfLeft(Instant.parse("2026-12-04T10:00:01.500000001Z"))).isFalse();
        assertThat(token.halfLeft(Instant.parse("2026-12-04T09:00:00Z"))).isTrue();
        assertThat(token.halfLeft(Instant.parse("2026-12-04T11:00:00Z"))).isFalse();
    }

    private static Token token(Duration life) {
        return new Token("t", "Bearer", MINTED, MINTED.plus(life));
    }
}
