package dev.tokenbroker.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.SecretMount;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the watch asks the registry to read, for the changes the kubelet makes to a credentials directory. */
class DirectoryWatchTest {

    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path root;

    private SecretMount secrets;
    private final Recorder recorder = new Recorder();
    private DirectoryWatch watch;

    @BeforeEach
    void mount() {
        secrets = new SecretMount(root);
        for (String name : List.of("alpha", "beta", "gamma")) {
            secrets.write(name, Fixtures.adobeAdmin("https://ims.example.com/ims/token/v3"));
        }
    }

    @AfterEach
    void stop() {
        if (watch != null) {
            watch.close();
        }
    }

    @Test
    void aSecretSwapAsksForThatCredentialOnly() throws Exception {
        start(NEVER);
        secrets.update("beta", "client_secret", "p8e-TESTSECRET-rotated-1111222233334444");
        await().until(() -> recorder.asked.contains("changed:beta"));
        assertThat(recorder.asked).containsOnly("all:startup", "changed:beta");
    }

    @Test
    void aNewDirectoryIsWatchedFromItsCreation() throws Exception {
        start(NEVER);
        secrets.write("delta", Fixtures.adobeAdmin("https://ims.example.com/ims/token/v3"));
        await().until(() -> recorder.asked.contains("changed:delta"));
        recorder.asked.clear();

        secrets.update("delta", "client_id", null);
        await().until(() -> recorder.asked.contains("changed:delta"));
        assertThat(recorder.asked).containsOnly("changed:delta");
    }

    @Test
    void aRemovedDirectoryIsReported() throws Exception {
        start(NEVER);
        secrets.remove("gamma");
        await().until(() -> recorder.asked.contains("changed:gamma"));
        assertThat(recorder.asked).doesNotContain("changed:alpha", "changed:beta");
    }

    @Test
    void lostEventsAreRecoveredByReadingEverything() throws Exception {
        start(NEVER);
        recorder.block();
        secrets.update("alpha", "scopes", "openid");
        await().until(() -> recorder.asked.contains("changed:alpha")); // the watch is now busy, holding alpha's key
        // While it is busy, more than the 512 events a key holds: the JDK drops them for one OVERFLOW event.
        for (int i = 0; i < 600; i++) {
            Files.writeString(root.resolve("alpha").resolve("..noise-" + i), "x");
        }
        secrets.update("alpha", "client_secret", "p8e-TESTSECRET-rotated-5555666677778888");
        recorder.release();

        await().until(() -> recorder.asked.contains("all:overflow"));
    }

    @Test
    void withoutEventsThePeriodicCheckReadsEverything() throws Exception {
        watch = new DirectoryWatch(root, null, NEVER, Duration.ofMillis(100), recorder);
        watch.start();
        secrets.update("beta", "client_secret", "p8e-TESTSECRET-rotated-1111222233334444");
        await().until(() -> recorder.asked.stream().filter("all:schedule"::equals).count() >= 2);
        assertThat(recorder.asked).allMatch(asked -> asked.startsWith("all:"));
    }

    @Test
    void aDirectoryThatCannotBeWatchedIsReadEveryPollInterval() throws Exception {
        watch = new DirectoryWatch(root.resolve("not-there-yet"), FileSystems.getDefault().newWatchService(), NEVER,
                Duration.ofMillis(100), recorder);
        watch.start();
        await().until(() -> recorder.asked.stream().filter("all:schedule"::equals).count() >= 2);
    }

    @Test
    void withEventsThePeriodicCheckStillRuns() throws Exception {
        start(Duration.ofMillis(200));
        await().until(() -> recorder.asked.contains("all:schedule"));
    }

    private void start(Duration fullCheckInterval) throws Exception {
        watch = new DirectoryWatch(root, FileSystems.getDefault().newWatchService(), fullCheckInterval, NEVER, recorder);
        watch.start();
    }

    /** Writes down what the watch asks for; can hold the watch's thread on the next request. */
    private static final class Recorder implements DirectoryWatch.Changes {
        final ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void block() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        @Override
        public void changed(String name) {
            asked.add("changed:" + name);
            hold();
        }

        @Override
        public void all(String trigger) {
            asked.add("all:" + trigger);
            hold();
        }

        private void hold() {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
