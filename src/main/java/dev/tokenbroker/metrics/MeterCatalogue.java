package dev.tokenbroker.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every {@code tokenbroker.*} meter with its Prometheus help text, unit and histogram, applied by a
 * {@link MeterFilter} wherever the meter is registered. One list rather than a {@code .description(...)} at
 * each call site: Prometheus keeps the help of the first meter registered under a name, so every call site
 * would have to repeat the same text. Tests check that the metrics table of docs/operations.md and the alerts and dashboard in
 * deploy/monitoring name only meters the broker exports.
 */
@Singleton
public class MeterCatalogue {

    /** A meter's name in code, its unit (appended to the Prometheus name of gauges) and its help text. */
    public record Entry(String name, String baseUnit, String help, Optional<Histogram> histogram) {}

    /** The range of a latency histogram's buckets. */
    public record Histogram(Duration min, Duration max) {}

    public static final Map<String, Entry> ENTRIES = Stream.of(
            entry("tokenbroker.requests", "GET /tokens answers by credential, caller, outcome (ok or the problem code) "
                    + "and tier (memory, redis, upstream, none)"),
            histogram("tokenbroker.request.duration", "GET /tokens latency by outcome (ok, error)",
                    Duration.ofMillis(1), Duration.ofSeconds(30)),
            entry("tokenbroker.upstream.calls", "Attempts at the token endpoint by credential and result (success, "
                    + "invalid_client, invalid_scope, rejected, rate_limited, throttled, server_error, timeout, io_error, "
                    + "untrusted_certificate, invalid_response, circuit_open)"),
            histogram("tokenbroker.upstream.duration", "Token endpoint latency of one attempt, by credential",
                    Duration.ofMillis(5), Duration.ofSeconds(30)),
            entry("tokenbroker.upstream.circuit.state", "Circuit breaker of each token endpoint host: 0 closed, 1 open, 2 half-open"),
            new Entry("tokenbroker.cache.soonest.expiry", "seconds", "Seconds until the soonest expiring token of the "
                    + "credential in this replica's in-process cache expires; NaN when it holds none", Optional.empty()),
            new Entry("tokenbroker.upstream.clock.offset", "seconds", "The credential's token endpoint's clock minus "
                    + "this node's, from the Date header of its latest answer (whole seconds); JWT expiries are corrected "
                    + "by it; NaN before the first answer", Optional.empty()),
            entry("tokenbroker.mint.budget.exhausted", "Mints refused because the credential's mint budget was spent "
                    + "(the request got 429 mint_budget_exhausted, or a refresh was put off), by credential"),
            entry("tokenbroker.token.rejections", "Reports of a token that an API refused (rejected on GET /tokens, "
                    + "POST /oauth2/revoke) by credential and result (replaced, not_current, too_fresh, budget_exhausted)"),
            entry("tokenbroker.refreshes", "Refreshes of cached tokens before they expire, by result (success, failure)"),
            entry("tokenbroker.redis.errors", "Failed Redis operations by operation (get, put, drop, lock, unlock, publish, subscribe); the broker then "
                    + "uses its in-process cache"),
            entry("tokenbroker.credentials.loaded", "Credentials being served"),
            entry("tokenbroker.credentials.invalid", "Credentials whose files are invalid now"),
            entry("tokenbroker.credential.valid", "1 while the credential's files are valid, 0 while they are invalid "
                    + "(its last valid version, if any, is still served)"),
            entry("tokenbroker.credentials.reloads", "Reads of the credentials directory (trigger: startup, event, overflow, schedule) by result (success, invalid, error)"),
            entry("tokenbroker.callers.loaded", "Callers in the callers policy"),
            entry("tokenbroker.callers.refused", "Entries of the callers files left out because an earlier file lists "
                    + "their name, key or ServiceAccount"),
            entry("tokenbroker.tokengrants", "TokenGrant objects known, by the reason of their Accepted condition "
                    + "(WithinBounds, OutsideBounds, UnknownCredential, Invalid)"),
            entry("tokenbroker.config.valid", "1 while a configuration source reads and checks out, 0 while it does not "
                    + "(its last good version, if any, is still used), by source (callers, credentials_directory, "
                    + "upstream_ca_file, jwks_<cluster>)"),
            entry("tokenbroker.callers.reloads", "Loads of a changed callers file by result (success, invalid)"),
            entry("tokenbroker.service_account.tokens", "ServiceAccount tokens presented, by result: verified (signature "
                    + "checked), remembered (verified before), or the reason it was refused"),
            entry("tokenbroker.jwks.reads", "Reads of a cluster's JWKS by cluster, trigger (startup, schedule, unknown_key) "
                    + "and result (success, error)"),
            entry("tokenbroker.jwks.keys", "Signing keys of a cluster's JWKS held now, by cluster"))
            .collect(Collectors.toUnmodifiableMap(Entry::name, e -> e));

    /**
     * Help text for meters that libraries register without one, by meter name: SmallRye Fault Tolerance's
     * {@code ft.*} (texts after the MicroProfile Fault Tolerance specification's metrics table), Micrometer's Netty
     * binders and one of Quarkus's HTTP server meters. Only a meter that comes without a description gets one;
     * {@code MetricsTest} fails on any exported family whose help is empty.
     */
    static final Map<String, String> LIBRARY_HELP = Map.ofEntries(
            Map.entry("ft.invocations.total", "Calls of a fault-tolerant method (the token endpoint client) by method, "
                    + "result (valueReturned, exceptionThrown) and fallback"),
            Map.entry("ft.retry.calls.total", "Calls of a method with @Retry by whether it was retried and its result"),
            Map.entry("ft.retry.retries.total", "Retries of a method with @Retry"),
            Map.entry("ft.timeout.calls.total", "Runs of a method with @Timeout by whether it timed out"),
            Map.entry("ft.timeout.executionDuration", "Run time of a method with @Timeout"),
            Map.entry("ft.circuitbreaker.calls.total", "Calls through a circuit breaker by circuitBreakerResult (success, "
                    + "failure, circuitBreakerOpen)"),
            Map.entry("ft.circuitbreaker.state.total", "Time a circuit breaker spent in each state (open, closed, halfOpen)"),
            Map.entry("ft.circuitbreaker.state.current", "1 for the state a circuit breaker is in now, 0 for the others"),
            Map.entry("ft.circuitbreaker.opened.total", "Times a circuit breaker went from closed to open"),
            Map.entry("ft.bulkhead.calls.total", "Calls of a method with @Bulkhead by whether the bulkhead accepted them"),
            Map.entry("ft.bulkhead.executionsRunning", "Runs of a method with @Bulkhead in progress now"),
            Map.entry("ft.bulkhead.executionsWaiting", "Calls of a method with @Bulkhead waiting in its queue now"),
            Map.entry("ft.bulkhead.runningDuration", "Run time of a method with @Bulkhead"),
            Map.entry("ft.bulkhead.waitingDuration", "Time calls of a method with @Bulkhead waited in its queue"),
            Map.entry("ft.ratelimit.calls.total", "Calls of a method with @RateLimit by whether the limit allowed them"),
            Map.entry("ft.timer.scheduled", "Tasks that SmallRye Fault Tolerance's timer (timeouts, delays) holds now"),
            Map.entry("http.server.active.requests", "HTTP requests being served now"),
            Map.entry("netty.allocator.memory.used", "Memory used by a Netty buffer allocator, by memory type (heap, direct)"),
            Map.entry("netty.allocator.memory.pinned", "Memory of a Netty buffer allocator held by buffers in use, by memory type"),
            Map.entry("netty.allocator.pooled.arenas", "Arenas of a pooled Netty buffer allocator, by memory type"),
            Map.entry("netty.allocator.pooled.cache.size", "Cache sizes of a pooled Netty buffer allocator, by cache type"),
            Map.entry("netty.allocator.pooled.chunk.size", "Chunk size of a pooled Netty buffer allocator"),
            Map.entry("netty.allocator.pooled.threadlocal.caches", "Thread-local caches of a pooled Netty buffer allocator"),
            Map.entry("netty.eventexecutor.tasks.pending", "Tasks waiting in a Netty event loop's queue"));

    /**
     * Counters whose label sets are known before anything happens, registered at 0 when the broker starts so that
     * dashboards and {@code increase()} alerts see 0, not "no data". Others register theirs where they count:
     * {@code redis.errors} by operation (with Redis), {@code refreshes} by result, {@code upstream.calls},
     * {@code mint.budget.exhausted} and {@code token.rejections} per credential,
     * {@code jwks.reads} and {@code service_account.tokens} by every result. {@code requests} has no such set (its
     * labels include caller and credential).
     */
    static final Map<String, List<Tags>> AT_ZERO = Map.of(
            // The reads every broker makes: at start, and the periodic full check (events and overflows register theirs).
            "tokenbroker.credentials.reloads", Stream.of("startup", "schedule")
                    .flatMap(trigger -> Stream.of("success", "invalid", "error")
                            .map(result -> Tags.of("trigger", trigger, "result", result)))
                    .toList(),
            "tokenbroker.callers.reloads", List.of(Tags.of("result", "success"), Tags.of("result", "invalid")));

    void onStart(@Observes StartupEvent event, MeterRegistry meters) {
        AT_ZERO.forEach((name, tagSets) -> tagSets.forEach(tags -> meters.counter(name, tags)));
    }

    private static Entry entry(String name, String help) {
        return new Entry(name, null, help, Optional.empty());
    }

    private static Entry histogram(String name, String help, Duration min, Duration max) {
        return new Entry(name, null, help, Optional.of(new Histogram(min, max)));
    }

    /**
     * Removes the {@code tokenbroker.*} meters when the application stops. Gauges read beans of this
     * application; a registry that outlives it (Micrometer's global one, when tests restart Quarkus in one
     * JVM) would otherwise keep exporting them, and hand them back instead of the next application's own.
     */
    void onStop(@Observes ShutdownEvent event, MeterRegistry meters) {
        meters.getMeters().stream()
                .filter(meter -> ENTRIES.containsKey(meter.getId().getName()))
                .toList()
                .forEach(meters::remove);
    }

    /** Gives {@code tokenbroker.*} meters their help text and unit, and the latency timers their histograms. */
    @Produces
    @Singleton
    MeterFilter catalogue() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                Entry entry = ENTRIES.get(id.getName());
                if (entry == null) {
                    String help = LIBRARY_HELP.get(id.getName());
                    return help == null || (id.getDescription() != null && !id.getDescription().isBlank()) ? id
                            : new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), help, id.getType());
                }
                return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()),
                        entry.baseUnit() != null ? entry.baseUnit() : id.getBaseUnit(), entry.help(), id.getType());
            }

            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                Entry entry = ENTRIES.get(id.getName());
                if (entry == null || entry.histogram().isEmpty()) {
                    return config;
                }
                Histogram range = entry.histogram().get();
                return DistributionStatisticConfig.builder()
                        .percentilesHistogram(true)
                        .minimumExpectedValue((double) range.min().toNanos())
                        .maximumExpectedValue((double) range.max().toNanos())
                        .build()
                        .merge(config);
            }
        };
    }
}
