package dev.tokenbroker.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

/**
 * One of the broker's spans, current on this thread from {@link Spans#start} until {@link #close()} ends it. With
 * traces off it is {@link #OFF}, whose methods do nothing.
 */
public final class TraceSpan implements AutoCloseable {

    static final TraceSpan OFF = new TraceSpan(null, null);

    private final Span span;
    private final Scope scope;

    private TraceSpan(Span span, Scope scope) {
        this.span = span;
        this.scope = scope;
    }

    static TraceSpan started(Span span) {
        return new TraceSpan(span, span.makeCurrent());
    }

    /** Sets an attribute: a credential, caller, tier or outcome name, never a secret. */
    public TraceSpan attribute(String key, String value) {
        if (span != null && value != null) {
            span.setAttribute(key, value);
        }
        return this;
    }

    public TraceSpan attribute(String key, long value) {
        if (span != null) {
            span.setAttribute(key, value);
        }
        return this;
    }

    /** How the step ended ({@code token_broker.outcome}); anything but {@code ok} or {@code success} marks an error. */
    public TraceSpan outcome(String outcome) {
        if (span != null) {
            span.setAttribute(Spans.OUTCOME, outcome);
            if (!outcome.equals("ok") && !outcome.equals("success")) {
                span.setStatus(StatusCode.ERROR, outcome);
            }
        }
        return this;
    }

    @Override
    public void close() {
        if (span != null) {
            scope.close();
            span.end();
        }
    }
}
