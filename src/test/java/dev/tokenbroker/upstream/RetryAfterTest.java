package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    @Test
    void readsSecondsAndHttpDates() {
        assertThat(TokenResponseReader.retryAfter("120")).hasValue(Duration.ofSeconds(120));
        String inAMinute = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(61).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(TokenResponseReader.retryAfter(inAMinute)).hasValueSatisfying(d -> assertThat(d.toSeconds()).isBetween(55L, 61L));
        assertThat(TokenResponseReader.retryAfter("soon")).isEmpty();
        assertThat(TokenResponseReader.retryAfter(null)).isEmpty();
    }

    @Test
    void backoffHonoursRetryAfterUpToItsCapAndOtherwiseGrows() {
        RetryAfterBackoff backoff = new RetryAfterBackoff(Duration.ofSeconds(2));
        backoff.init(100);
        var throttled = new UpstreamUnavailableException("rate_limited", Optional.of(Duration.ofSeconds(1)));
        assertThat(backoff.nextDelayInMillis(throttled)).isEqualTo(1000);
        var longWait = new UpstreamUnavailableException("rate_limited", Optional.of(Duration.ofSeconds(30)));
        assertThat(backoff.nextDelayInMillis(longWait)).isEqualTo(2000);
        RuntimeException io = new RuntimeException("io");
        long first = backoff.nextDelayInMillis(io);
        long second = backoff.nextDelayInMillis(io);
        long third = backoff.nextDelayInMillis(io);
        assertThat(first).isBetween(50L, 100L);
        assertThat(second).isBetween(100L, 200L);
        assertThat(third).isBetween(200L, 400L);
    }
}
