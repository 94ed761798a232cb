package dev.tokenbroker.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Traces on, exported to the {@link SpanRecorder}'s in-memory exporter as each span ends (no OTLP exporter, so
 * nothing tries to reach a collector); upstream retries quick, so a retried 503 costs the test little.
 */
public class TracesProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.enabled", "false",
                "quarkus.otel.simple", "true",
                "tokenbroker.upstream.retry-delay", "0.02s");
    }
}
