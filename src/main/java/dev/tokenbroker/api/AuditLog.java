package dev.tokenbroker.api;

import dev.tokenbroker.trace.Spans;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.MDC;

/**
 * Where a {@link TokenAudit} line goes besides its log category: the request's server span (its attributes and
 * trace id, when traces are on) and, when logs are JSON ({@code quarkus.log.console.json.enabled} or
 * {@code quarkus.log.file.json.enabled}), the MDC, which the JSON formatter writes as the object {@code mdc}: so a
 * log pipeline filters on {@code mdc.caller} or {@code mdc.outcome} without parsing the message. The default
 * key=value line puts nothing in the MDC.
 */
@ApplicationScoped
class AuditLog {

    private final Spans spans;
    private final boolean jsonFields;

    AuditLog(Spans spans, Config config) {
        this.spans = spans;
        // Quarkus's own switches, read once: the fields are worth their cost only to a JSON formatter.
        this.jsonFields = Stream.of("quarkus.log.console.json.enabled", "quarkus.log.file.json.enabled")
                .anyMatch(key -> config.getOptionalValue(key, Boolean.class).orElse(false));
    }

    Spans spans() {
        return spans;
    }

    boolean jsonFields() {
        return jsonFields;
    }

    /** Runs {@code log} with each pair of {@code fields} (name, value; null values left out) in the MDC. */
    void withFields(String[] fields, Runnable log) {
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                MDC.put(fields[i], fields[i + 1]);
            }
        }
        try {
            log.run();
        } finally {
            for (int i = 0; i < fields.length; i += 2) {
                MDC.remove(fields[i]);
            }
        }
    }
}
