package dev.tokenbroker.trace;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.LogCapture;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** By default traces are off: the SDK is disabled, nothing is exported, and the audit line carries no trace_id. */
@QuarkusTest
@WithTestResource(ImsResource.class)
class TracesOffTest extends BrokerTest {

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    Spans spans;

    @Inject
    Config config;

    @RegisterExtension
    final LogCapture logs = new LogCapture();

    @Test
    void defaultConfigurationExportsNothing() {
        assertThat(config.getValue("quarkus.otel.sdk.disabled", Boolean.class)).isTrue();
        assertThat(spans.on()).isFalse();
        try (TraceSpan span = spans.start("mint")) {
            assertThat(span).isSameAs(TraceSpan.OFF);
            assertThat(Span.current().getSpanContext().isValid()).isFalse();
        }
        logs.clear();
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(200);
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(200);
        assertThat(logs.messages("tokenbroker.audit")).hasSize(2).noneMatch(line -> line.contains("trace_id"));
        // With the SDK on, the simple processor would export at once; a second is a wide margin for "never".
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                .until(() -> exporter.getFinishedSpanItems().isEmpty());
        assertThat(logs.lines()).noneMatch(line -> line.toLowerCase().contains("opentelemetry")
                || line.toLowerCase().contains("otlp") || line.startsWith("io.opentelemetry"));
    }
}
