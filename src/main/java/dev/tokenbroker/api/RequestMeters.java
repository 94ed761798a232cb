package dev.tokenbroker.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code tokenbroker_requests_total} and {@code tokenbroker_request_duration_seconds} for {@code GET /tokens}.
 * Meters are looked up once per tag combination and kept: a registry lookup per request (tags sorted, ids
 * hashed) cost more than the cached token path itself. Tags are bounded: credential names that are loaded,
 * callers that are listed, a fixed set of outcomes and tiers.
 */
@Singleton
class RequestMeters {

    private record Tags(String credential, String caller, String outcome, String tier) {}

    private final MeterRegistry registry;
    private final Map<Tags, Counter> counters = new ConcurrentHashMap<>();
    private final Timer ok;
    private final Timer error;

    RequestMeters(MeterRegistry registry) {
        this.registry = registry;
        this.ok = registry.timer("tokenbroker.request.duration", "outcome", "ok");
        this.error = registry.timer("tokenbroker.request.duration", "outcome", "error");
    }

    void record(TokenAudit audit, long nanos) {
        Tags tags = new Tags(audit.credentialTag(), audit.callerTag(), audit.outcome(), audit.tier());
        counters.computeIfAbsent(tags, t -> registry.counter("tokenbroker.requests", "credential", t.credential(),
                "caller", t.caller(), "outcome", t.outcome(), "tier", t.tier())).increment();
        (audit.outcome().equals("ok") ? ok : error).record(nanos, TimeUnit.NANOSECONDS);
    }
}
