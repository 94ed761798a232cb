package dev.tokenbroker.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;
import java.util.List;

/**
 * Traces are on when an OTLP endpoint is configured, and off otherwise (docs/operations.md, Traces): the one setting
 * is {@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} (or its {@code .traces.} form). Without this, Quarkus would run the
 * OpenTelemetry SDK by default and export to {@code localhost:4317}, logging a failure every few seconds where no
 * collector listens. An explicit {@code quarkus.otel.sdk.disabled} still wins, either way.
 */
@Priority(Priorities.APPLICATION + 100)
public class TracesSwitch implements ConfigSourceInterceptor {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.endpoint",
            "quarkus.otel.exporter.otlp.traces.endpoint");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SDK_DISABLED.equals(name) || explicit(value)) {
            return value;
        }
        boolean endpoint = ENDPOINTS.stream().map(context::proceed).anyMatch(TracesSwitch::explicit);
        String disabled = Boolean.toString(!endpoint);
        return value == null
                ? ConfigValue.builder().withName(name).withValue(disabled).withConfigSourceName("TracesSwitch")
                        .withConfigSourceOrdinal(Integer.MIN_VALUE + 1).build()
                : value.withValue(disabled);
    }

    /** Set by the operator (any source), not only a default of the extension. */
    private static boolean explicit(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() > Integer.MIN_VALUE;
    }
}
