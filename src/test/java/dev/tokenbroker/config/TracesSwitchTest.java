package dev.tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Traces follow the one documented setting, the OTLP endpoint; an explicit quarkus.otel.sdk.disabled wins. */
class TracesSwitchTest {

    @Test
    void offWithoutAnEndpoint() {
        assertThat(sdkDisabled(Map.of())).isTrue();
    }

    @Test
    void onWithAnEndpoint() {
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://collector:4317"))).isFalse();
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.traces.endpoint", "http://collector:4318"))).isFalse();
    }

    @Test
    void anExplicitSwitchWins() {
        assertThat(sdkDisabled(Map.of("quarkus.otel.exporter.otlp.endpoint", "http://collector:4317",
                "quarkus.otel.sdk.disabled", "true"))).isTrue();
        assertThat(sdkDisabled(Map.of("quarkus.otel.sdk.disabled", "false"))).isFalse();
    }

    @Test
    void anEndpointOnlyAsADefaultLeavesTracesOff() {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withInterceptors(new TracesSwitch())
                .withDefaultValue("quarkus.otel.exporter.otlp.endpoint", "http://localhost:4317/")
                .withDefaultValue("quarkus.otel.sdk.disabled", "false").build();
        assertThat(config.getValue("quarkus.otel.sdk.disabled", Boolean.class)).isTrue();
    }

    private static boolean sdkDisabled(Map<String, String> settings) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withInterceptors(new TracesSwitch())
                .withSources(new PropertiesConfigSource(settings, "test", 300)).build();
        return config.getValue("quarkus.otel.sdk.disabled", Boolean.class);
    }
}
