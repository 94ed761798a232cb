package dev.tokenbroker.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenKey;
import dev.tokenbroker.token.TokenParams;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Refresh-ahead picks its moment within the part of a token's life that meets the default min_ttl, so a 5-minute
 * token is refreshed before a request without min_ttl would have to wait for a mint, as a 24-hour one is.
 */
class RefreshPointTest {

    private static final Instant MINTED = Instant.parse("2026-12-04T10:00:00Z");

    private final RefreshAhead refreshAhead = new RefreshAhead(null, null, null, null, null, config(0.66, 0.08, 300));

    @Test
    void aFiveMinuteTokenIsRefreshedBeforeHalfOfItIsGone() {
        for (int i = 0; i < 50; i++) {
            long at = millisAfterMint(key(i), Duration.ofSeconds(299));
            assertThat(at).as("within refresh-at less jitter of the 149.5 s that meet the default")
                    .isBetween((long) (0.58 * 149.5 * 1000), (long) (0.66 * 149.5 * 1000));
        }
    }

    @Test
    void aDayLongTokenIsRefreshedAtAboutTwoThirdsOfItsLife() {
        for (int i = 0; i < 50; i++) {
            long at = millisAfterMint(key(i), Duration.ofSeconds(86_399));
            assertThat(at).isBetween((long) (0.58 * 86_099_000), (long) (0.66 * 86_099_000));
        }
    }

    private long millisAfterMint(TokenKey key, Duration life) {
        return refreshAhead.refreshPoint(key, new Token("t", "Bearer", MINTED, MINTED.plus(life))) - MINTED.toEpochMilli();
    }

    private static TokenKey key(int i) {
        return new TokenKey("c" + i, "client", "https://idp.example.com/token", new ScopeSet(List.of("openid")), TokenParams.NONE);
    }

    /** The two settings RefreshAhead reads, as the config mapping would give them. */
    private static TokenBrokerConfig config(double refreshAt, double refreshJitter, long minTtlSeconds) {
        Map<String, Object> tokens = Map.of("refreshAt", refreshAt, "refreshJitter", refreshJitter,
                "minTtl", Duration.ofSeconds(minTtlSeconds));
        TokenBrokerConfig.Tokens t = (TokenBrokerConfig.Tokens) Proxy.newProxyInstance(RefreshPointTest.class.getClassLoader(),
                new Class<?>[] {TokenBrokerConfig.Tokens.class}, (p, m, a) -> tokens.get(m.getName()));
        return (TokenBrokerConfig) Proxy.newProxyInstance(RefreshPointTest.class.getClassLoader(),
                new Class<?>[] {TokenBrokerConfig.class}, (p, m, a) -> m.getName().equals("tokens") ? t : null);
    }
}
