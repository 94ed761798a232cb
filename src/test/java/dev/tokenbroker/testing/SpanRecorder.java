package dev.tokenbroker.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The spans a test's broker exported: an {@link InMemorySpanExporter} bean, which Quarkus's default
 * {@code quarkus.otel.traces.exporter=cdi} exports to when traces are on ({@link TracesProfile}), as Quarkus's own
 * OpenTelemetry tests do. Unused (and empty) when traces are off.
 */
public class SpanRecorder {

    @Produces
    @Singleton
    InMemorySpanExporter spans() {
        return InMemorySpanExporter.create();
    }

    /** The spans of one trace, as an indented tree ("name [attr=value ...]"), for assertions and docs. */
    public static String tree(List<SpanData> spans, String traceId) {
        List<SpanData> trace = spans.stream().filter(s -> s.getTraceId().equals(traceId)).toList();
        StringBuilder out = new StringBuilder();
        trace.stream().filter(s -> trace.stream().noneMatch(p -> p.getSpanId().equals(s.getParentSpanId())))
                .sorted(SpanRecorder::byStart).forEach(root -> draw(trace, root, 0, out));
        return out.toString();
    }

    private static void draw(List<SpanData> trace, SpanData span, int depth, StringBuilder out) {
        out.append("  ".repeat(depth)).append(span.getName()).append(' ').append(span.getKind()).append(' ')
                .append(span.getAttributes().asMap().entrySet().stream()
                        .filter(e -> e.getKey().getKey().startsWith("token_broker."))
                        .map(e -> e.getKey().getKey() + "=" + e.getValue()).sorted()
                        .collect(Collectors.joining(" ", "[", "]")))
                .append('\n');
        trace.stream().filter(s -> s.getParentSpanId().equals(span.getSpanId())).sorted(SpanRecorder::byStart)
                .forEach(child -> draw(trace, child, depth + 1, out));
    }

    private static int byStart(SpanData a, SpanData b) {
        return Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos());
    }

    /** Every attribute value, event name and event attribute value of these spans, as text. */
    public static Stream<String> everything(List<SpanData> spans) {
        return spans.stream().flatMap(s -> Stream.concat(
                Stream.of(s.getName(), Objects.toString(s.getStatus().getDescription())),
                Stream.concat(s.getAttributes().asMap().values().stream().map(String::valueOf),
                        s.getEvents().stream().flatMap(e -> Stream.concat(Stream.of(e.getName()),
                                e.getAttributes().asMap().values().stream().map(String::valueOf))))));
    }
}
