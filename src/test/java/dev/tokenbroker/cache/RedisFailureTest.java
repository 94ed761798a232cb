package dev.tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How a Redis failure is told: refused, unresponsive or unreachable, and never with a password. */
class RedisFailureTest {

    @Test
    void permissionAndAuthenticationErrorsAndUntrustedCertificatesAreRefusals() {
        assertThat(RedisFailure.of("EVAL", new CompletionException(new EventsSubscription.RedisErrorReply(
                "NOPERM this user has no permissions to run the 'eval' command")), List.of()))
                .isEqualTo(new RedisFailure("EVAL", RedisFailure.Kind.REFUSED,
                        "NOPERM this user has no permissions to run the 'eval' command"));
        assertThat(RedisFailure.of("GET", new IllegalStateException("WRONGPASS invalid username-password pair"), List.of())
                .refused()).isTrue();
        assertThat(RedisFailure.of("EVAL", new EventsSubscription.RedisErrorReply("ERR The user executing the script can't "
                + "run this command or subcommand script: 98b2b88b, on @user_script:1."), List.of()).refused()).isTrue();
        assertThat(RedisFailure.of("GET", new SSLHandshakeException("PKIX path building failed"), List.of()).summary())
                .isEqualTo("GET refused: SSLHandshakeException: PKIX path building failed");
        assertThat(RedisFailure.of("GET", new java.net.ConnectException("Connection refused"), List.of()).summary())
                .isEqualTo("GET unreachable: ConnectException: Connection refused");
    }

    /** No answer in time: the broker stops asking (each request would wait as long) until a check passes. */
    @Test
    void aCommandWithoutAnAnswerInTimeIsUnresponsive() {
        RedisFailure blocking = RedisFailure.of("GET", new io.smallrye.mutiny.TimeoutException(), List.of());
        RedisFailure reactive = RedisFailure.of("GET", new TimeoutException("no answer in 2000 ms"), List.of());
        assertThat(List.of(blocking, reactive)).allSatisfy(failure -> {
            assertThat(failure.kind()).isEqualTo(RedisFailure.Kind.UNRESPONSIVE);
            assertThat(failure.stopsAsking()).isTrue();
        });
        assertThat(reactive.summary()).isEqualTo("GET unresponsive: TimeoutException: no answer in 2000 ms");
        assertThat(RedisFailure.of("GET", new ConnectException("Connection refused"), List.of()).stopsAsking()).isFalse();
    }

    @Test
    void passwordsInTheSettingOrTheUrlsNeverShow() {
        var passwords = RedisFailure.passwords(
                Optional.of("rediss://u:p%40ss-in-url@a:6379,rediss://b:6379?user=u&password=q-in-query"),
                Optional.of("the-setting"));
        assertThat(passwords).contains("p%40ss-in-url", "p@ss-in-url", "q-in-query", "the-setting");
        String reason = RedisFailure.of("GET", new IllegalStateException("cannot connect to rediss://u:p@ss-in-url@a:6379 "
                + "with the-setting, rediss://b:6379?user=u&password=q-in-query"), passwords).reason();
        assertThat(reason).doesNotContain("p@ss-in-url").doesNotContain("q-in-query").doesNotContain("the-setting")
                .contains("rediss://***@a:6379").contains("password=***");
    }
}
