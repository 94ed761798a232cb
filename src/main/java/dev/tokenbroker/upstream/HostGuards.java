package dev.tokenbroker.upstream;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * One SmallRye {@link Guard} per token endpoint host: a timeout per attempt, retries with backoff (honouring
 * {@code Retry-After}) and a circuit breaker, so that one broken provider does not stop the others.
 *
 * <p>The breaker is shared by every client of the host, so it counts only what says the host is broken: transport
 * errors, timeouts and 5xx. What concerns one client (a 429, a refused secret or scope, an untrusted certificate
 * of one credential's {@code ca_file}) and a malformed answer pass through it as answers.
 */
@ApplicationScoped
class HostGuards {

    /** The {@link UpstreamUnavailableException#reason()}s that say the host is broken. */
    private static final Set<String> HOST_FAILURES = Set.of("server_error", "timeout", "io_error");

    private final TokenBrokerConfig.Upstream config;
    private final MeterRegistry meters;
    private final Map<String, Guard> guards = new ConcurrentHashMap<>();
    private final Map<String, CircuitBreakerState> circuits = new ConcurrentHashMap<>();

    HostGuards(TokenBrokerConfig config, MeterRegistry meters) {
        this.config = config.upstream();
        this.meters = meters;
    }

    /** The guard of the token URL's host, made at its first use. */
    Guard of(URI tokenUrl) {
        return guards.computeIfAbsent(hostOf(tokenUrl), this::newGuard);
    }

    /** State of the circuit breaker of each token endpoint host seen so far. */
    Map<String, CircuitBreakerState> circuits() {
        return Map.copyOf(circuits);
    }

    static String hostOf(URI tokenUrl) {
        return tokenUrl.getHost() + (tokenUrl.getPort() < 0 ? "" : ":" + tokenUrl.getPort());
    }

    /** Whether the host looks broken: the breaker's failures (the guard's own timeout among them). */
    static boolean hostFailure(Throwable e) {
        if (e instanceof UpstreamRejectedException) {
            return false;
        }
        return !(e instanceof UpstreamUnavailableException unavailable) || HOST_FAILURES.contains(unavailable.reason());
    }

    /** Whether another attempt within the same mint may help. */
    private boolean worthRetrying(Throwable e) {
        if (e instanceof UpstreamRejectedException || e instanceof CircuitBreakerOpenException) {
            return false;
        }
        if (e instanceof UpstreamUnavailableException unavailable) {
            return switch (unavailable.reason()) {
                case "untrusted_certificate", "invalid_response", FederatedAssertion.UNUSABLE -> false;
                // A wait longer than the backoff allows is the client's to honour, not this mint's.
                case "rate_limited" -> unavailable.retryAfter()
                        .map(wait -> wait.compareTo(config.maxRetryDelay()) <= 0).orElse(true);
                default -> true;
            };
        }
        return true;
    }

    private Guard newGuard(String host) {
        TokenBrokerConfig.Breaker breaker = config.circuitBreaker();
        circuits.put(host, CircuitBreakerState.CLOSED);
        meters.gauge("tokenbroker.upstream.circuit.state", List.of(Tag.of("host", host)),
                circuits, c -> c.getOrDefault(host, CircuitBreakerState.CLOSED).ordinal());
        return Guard.create()
                .withDescription("token endpoint " + host)
                .withRetry()
                    .maxRetries(config.maxRetries())
                    .delay(config.retryDelay().toMillis(), ChronoUnit.MILLIS)
                    .maxDuration(config.maxDuration().toMillis(), ChronoUnit.MILLIS)
                    .whenException(this::worthRetrying)
                    .withCustomBackoff().strategy(() -> new RetryAfterBackoff(config.maxRetryDelay())).done()
                    .done()
                .withCircuitBreaker()
                    .name("upstream:" + host)
                    .when(HostGuards::hostFailure)
                    .requestVolumeThreshold(breaker.requestVolumeThreshold())
                    .failureRatio(breaker.failureRatio())
                    .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                    .onStateChange(state -> {
                        circuits.put(host, state);
                        Log.warnf("event=circuit_state host=%s state=%s", host, state);
                    })
                    .done()
                .withTimeout()
                    // A backstop above the client's own connect and read timeouts, for anything that hangs.
                    .duration(config.timeout().toMillis() + 1000, ChronoUnit.MILLIS)
                    .done()
                .build();
    }
}
