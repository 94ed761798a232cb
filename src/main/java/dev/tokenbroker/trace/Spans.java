package dev.tokenbroker.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;

/**
 * The broker's own spans, beneath the server span that Quarkus makes for each request (docs/operations.md, Traces):
 * one per mint, per wait for the fleet's mint lock and per upstream attempt. Each is started where that step is
 * already counted or logged once. When traces are off ({@code quarkus.otel.sdk.disabled}, the default without an
 * OTLP endpoint) every method returns at once without touching OpenTelemetry, so nothing is spent on the hot path.
 *
 * <p>Attributes name credentials, callers, tiers and outcomes; never a token, secret, key or assertion.
 */
@ApplicationScoped
public class Spans {

    /** The attribute names of the broker's spans. */
    public static final String CREDENTIAL = "token_broker.credential";
    public static final String CALLER = "token_broker.caller";
    public static final String TIER = "token_broker.tier";
    public static final String OUTCOME = "token_broker.outcome";

    private final boolean on;
    private final Tracer tracer;

    Spans(OpenTelemetry openTelemetry, Config config) {
        // Quarkus's own switch, read once: TracesSwitch turns it off unless an OTLP endpoint is configured.
        this.on = !config.getOptionalValue("quarkus.otel.sdk.disabled", Boolean.class).orElse(false);
        this.tracer = openTelemetry.getTracer("token-broker");
    }

    /** Whether traces are on in this process. */
    public boolean on() {
        return on;
    }

    /** Starts a span beneath the current one and makes it current until {@link TraceSpan#close()}. */
    public TraceSpan start(String name) {
        return on ? TraceSpan.started(tracer.spanBuilder(name).startSpan()) : TraceSpan.OFF;
    }

    /**
     * Names the request's decision on the current (server) span and answers its trace id, for the audit line;
     * {@code null} when traces are off or no span is recording.
     */
    public String request(String caller, String credential, String tier, String outcome) {
        if (!on) {
            return null;
        }
        Span span = Span.current();
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return null;
        }
        span.setAttribute(CALLER, caller);
        span.setAttribute(CREDENTIAL, credential);
        span.setAttribute(TIER, tier);
        span.setAttribute(OUTCOME, outcome);
        return context.getTraceId();
    }
}
