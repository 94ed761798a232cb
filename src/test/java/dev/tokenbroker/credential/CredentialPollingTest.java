package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * Where the file system gives no events ({@code tokenbroker.credentials.watch=false} runs the same loop without
 * them), the periodic check alone picks up every change of {@link CredentialReloadTest}, every
 * {@code reload-interval}.
 */
@QuarkusTest
@TestProfile(CredentialPollingTest.NoEvents.class)
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class CredentialPollingTest extends CredentialReloadTest {

    public static class NoEvents implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tokenbroker.credentials.watch", "false");
        }
    }

    /** Changes were picked up by reading the whole directory, never after an event. */
    @Override
    @AfterEach
    void checkHowChangesWerePickedUp() {
        assertThat(meters.find("tokenbroker.credentials.reloads").tag("trigger", "event").counters()).isEmpty();
        assertThat(meters.find("tokenbroker.credentials.reloads").tag("trigger", "schedule").tag("result", "success")
                .counter()).isNotNull().satisfies(c -> assertThat(c.count()).isPositive());
    }
}
