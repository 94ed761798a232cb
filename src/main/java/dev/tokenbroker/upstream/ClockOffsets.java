package dev.tokenbroker.upstream;

import dev.tokenbroker.credential.Credential;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far each token endpoint's clock is from the broker's: its answers' {@code Date} header (RFC 9110 5.6.7, whole
 * seconds) minus the broker's clock when the answer arrived, the latest per token URL. A JWT's {@code exp} is moved
 * onto the broker's clock by it. An offset past {@value #WARN_SECONDS} s is logged once until it comes back within;
 * the gauge {@code tokenbroker.upstream.clock.offset} and its alert are the signal that lasts.
 */
@ApplicationScoped
public class ClockOffsets {

    static final long WARN_SECONDS = 60;

    private final Map<String, Duration> byEndpoint = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /**
     * Notes the offset that an answer's {@code Date} shows and returns the endpoint's offset: this one, or the last
     * known when the header is missing or not an HTTP date.
     */
    Optional<Duration> observe(Credential credential, String date, Instant arrival) {
        String endpoint = credential.tokenUrl().toString();
        Optional<Instant> providerNow = httpDate(date);
        if (providerNow.isEmpty()) {
            return Optional.ofNullable(byEndpoint.get(endpoint));
        }
        Duration offset = Duration.between(arrival.truncatedTo(ChronoUnit.SECONDS), providerNow.get());
        byEndpoint.put(endpoint, offset);
        if (Math.abs(offset.toSeconds()) > WARN_SECONDS) {
            if (warned.add(endpoint)) {
                Log.warnf("event=upstream_clock_skew credential=%s host=%s offset_seconds=%d "
                                + "hint=\"the token endpoint's clock differs from this node's; JWT expiries are corrected by it\"",
                        credential.name(), HostGuards.hostOf(credential.tokenUrl()), offset.toSeconds());
            }
        } else {
            warned.remove(endpoint);
        }
        return Optional.of(offset);
    }

    /** The token endpoint's clock minus the broker's, when an answer with a {@code Date} has been seen. */
    public Optional<Duration> offset(URI tokenUrl) {
        return Optional.ofNullable(byEndpoint.get(tokenUrl.toString()));
    }

    static Optional<Instant> httpDate(String value) {
        if (value == null || value.isBlank() || value.length() > 64) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        } catch (RuntimeException notADate) {
            return Optional.empty();
        }
    }
}
