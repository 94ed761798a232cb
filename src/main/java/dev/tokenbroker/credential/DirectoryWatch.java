package dev.tokenbroker.credential;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Follows the credentials directory through file-system events ({@link WatchService}, inotify on Linux): the
 * directory itself (credentials added or removed) and each credential's directory, where the kubelet publishes a new
 * version of a Secret by swapping its {@code ..data} symlink. An event names the one credential to read again.
 * Every {@code fullCheckInterval} the whole directory is read anyway, and at once when events were lost (overflow),
 * so a missed event costs at most that long. Without events (none asked for, the file system cannot watch, or the
 * directory's watch is lost) the full check is all there is, so it then runs every {@code pollInterval}.
 *
 * <p>One daemon thread; {@link Changes} is called from it only, never concurrently.
 */
final class DirectoryWatch implements AutoCloseable {

    /** What the watch asks for. */
    interface Changes {
        /** Read this credential again (its directory changed, appeared or disappeared). */
        void changed(String name);

        /** Read the whole directory again. */
        void all(String trigger);
    }

    /** Events that arrive this soon after one another are handled together (a Secret swap makes several). */
    private static final Duration SETTLE = Duration.ofMillis(50);

    private final Path root;
    private final WatchService events;
    private final Duration pollInterval;
    private final Changes changes;
    private final Map<WatchKey, String> credentialKeys = new HashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private Thread thread;
    /** Time between two full checks: {@code fullCheckInterval} while events come, else {@code pollInterval}. */
    private volatile Duration interval;

    /** {@code events} null: no events, only the full check. */
    DirectoryWatch(Path root, WatchService events, Duration fullCheckInterval, Duration pollInterval, Changes changes) {
        this.root = root;
        this.events = events;
        this.pollInterval = pollInterval;
        this.changes = changes;
        this.interval = events == null ? pollInterval : fullCheckInterval;
    }

    /** Registers for events, reads the whole directory once (after registering, so nothing falls between), starts. */
    void start() {
        if (events != null) {
            try {
                root.register(events, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
                try (Stream<Path> entries = Files.list(root)) {
                    entries.forEach(entry -> watchCredential(entry.getFileName().toString()));
                }
            } catch (IOException e) {
                interval = pollInterval;
                Log.warnf("event=credentials_watch_unavailable dir=%s error=%s action=full_check_every_%s", root,
                        e.getClass().getSimpleName(), interval);
            }
        }
        changes.all("startup");
        thread = new Thread(this::run, "credentials-watch");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        closed.countDown();
        if (events != null) {
            try {
                events.close();
            } catch (IOException e) {
                Log.debugf("event=credentials_watch_close_failed error=%s", e.getClass().getSimpleName());
            }
        }
    }

    private void run() {
        long nextFullCheck = System.nanoTime() + interval.toNanos();
        while (closed.getCount() > 0) {
            try {
                WatchKey key = next(nextFullCheck - System.nanoTime());
                Batch batch = new Batch();
                while (key != null) {
                    collect(key, batch);
                    key = next(SETTLE.toNanos());
                }
                if (batch.fullCheck == null && System.nanoTime() - nextFullCheck >= 0) {
                    batch.fullCheck = "schedule";
                }
                if (batch.fullCheck != null) {
                    changes.all(batch.fullCheck);
                    nextFullCheck = System.nanoTime() + interval.toNanos();
                } else {
                    batch.credentials.forEach(changes::changed);
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                Log.errorf(e, "event=credentials_watch_failed action=continuing");
            }
        }
    }

    /** What a burst of events asks for: some credentials read again, or the whole directory (and why). */
    private static final class Batch {
        final Set<String> credentials = new TreeSet<>();
        String fullCheck;
    }

    /** The next key with events, or null after {@code nanos}; without events, just the wait. */
    private WatchKey next(long nanos) throws InterruptedException {
        if (events == null) {
            closed.await(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
            return null;
        }
        return events.poll(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    }

    /** Adds what a key's events ask for to {@code batch}. */
    private void collect(WatchKey key, Batch batch) {
        String credential = credentialKeys.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == OVERFLOW) {
                batch.fullCheck = "overflow"; // events were lost: only reading everything can tell what changed
            } else if (credential != null) {
                batch.credentials.add(credential);
            } else if (event.context().toString().startsWith(".")) {
                // the whole directory is one projected volume, swapped by its own ..data link
                batch.fullCheck = batch.fullCheck == null ? "event" : batch.fullCheck;
            } else {
                String name = event.context().toString();
                watchCredential(name);
                batch.credentials.add(name);
            }
        }
        if (!key.reset()) {
            credentialKeys.remove(key);
            if (credential != null) {
                batch.credentials.add(credential); // its directory is gone
            } else {
                interval = pollInterval;
                Log.warnf("event=credentials_watch_lost dir=%s action=full_check_every_%s", root, interval);
            }
        }
    }

    private void watchCredential(String name) {
        Path dir = root.resolve(name);
        if (!Credential.NAME.matcher(name).matches() || !Files.isDirectory(dir)) {
            return;
        }
        try { // registering a directory watched already gives back its key
            credentialKeys.put(dir.register(events, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY), name);
        } catch (IOException e) {
            Log.warnf("event=credential_watch_unavailable credential=%s error=%s action=full_check_every_%s", name,
                    e.getClass().getSimpleName(), interval);
        }
    }
}
