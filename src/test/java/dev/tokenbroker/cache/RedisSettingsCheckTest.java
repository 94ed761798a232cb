package dev.tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A Redis password over plaintext redis:// stops start-up, unless allowed; the message names rediss://, never the password. */
class RedisSettingsCheckTest {

    private static final Optional<String> PASSWORD = Optional.of("s3cr3t-redis-password");

    @Test
    void passwordOverPlaintextRedisIsRefusedNamingRediss() {
        assertThat(RedisSettingsCheck.problem(Optional.of("redis://redis-master.redis:6379"), PASSWORD, false))
                .hasValueSatisfying(message -> assertThat(message).contains("rediss://", "redis://redis-master.redis:6379",
                        "tokenbroker.cache.allow-plaintext-redis=true").doesNotContain(PASSWORD.get()));
    }

    @Test
    void passwordInAPlaintextUrlIsRefusedWithoutQuotingIt() {
        String url = "redis://token-broker:" + PASSWORD.get() + "@redis-0.redis:6379/0";
        assertThat(RedisSettingsCheck.problem(Optional.of("rediss://redis-1.redis:6379, " + url), Optional.empty(), false))
                .hasValueSatisfying(message -> assertThat(message).contains("redis://redis-0.redis:6379")
                        .doesNotContain(PASSWORD.get()).doesNotContain("redis-1"));
    }

    @Test
    void tlsNoPasswordOrAnExplicitAllowancePass() {
        assertThat(RedisSettingsCheck.problem(Optional.of("rediss://redis:6379?user=token-broker"), PASSWORD, false)).isEmpty();
        assertThat(RedisSettingsCheck.problem(Optional.of("redis://redis:6379"), Optional.empty(), false)).isEmpty();
        assertThat(RedisSettingsCheck.problem(Optional.of("redis://redis:6379"), PASSWORD, true)).isEmpty();
        assertThat(RedisSettingsCheck.problem(Optional.empty(), PASSWORD, false)).isEmpty();
    }
}
