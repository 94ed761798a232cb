package dev.tokenbroker.upstream;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.tls.CaBundle;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The CAs of {@code tokenbroker.upstream.ca-file}, trusted for every token endpoint whose credential has no
 * {@code ca_file} of its own. The broker does not start with a file it cannot use; afterwards the file is re-read
 * at each mint (mints are rare, the file is small), and a broken or unreadable new version is reported once while
 * the last good one stays in use.
 *
 * <p>{@link #current()} is the whole contract with the rest of the package, so the reading and keeping can move
 * to a shared "reload with last good" mechanism without the client noticing.
 */
@ApplicationScoped
class UpstreamCaFile {

    /** Largest file read. */
    private static final long MAX_BYTES = 1024 * 1024;

    private final Optional<Path> file;
    private Optional<CaBundle> inUse = Optional.empty();
    private byte[] inUseBytes;
    private byte[] reportedBytes;

    UpstreamCaFile(TokenBrokerConfig config) {
        this.file = config.upstream().caFile();
    }

    /** The broker refuses to start with a {@code tokenbroker.upstream.ca-file} it cannot use. */
    void onStart(@Observes StartupEvent event) {
        if (file.isEmpty()) {
            return;
        }
        Path path = file.get();
        try {
            install(path, read(path));
        } catch (IOException e) {
            throw new IllegalStateException("tokenbroker.upstream.ca-file " + path + ": cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        } catch (CaBundle.InvalidCaBundle e) {
            throw new IllegalStateException("tokenbroker.upstream.ca-file " + path + ": " + e.getMessage());
        }
    }

    /** Whether a global CA file is configured (for log lines that say what a token endpoint was checked against). */
    boolean configured() {
        return file.isPresent();
    }

    /** The CAs of the file's current version, or of its last good one; empty without a file. */
    synchronized Optional<CaBundle> current() {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path path = file.get();
        byte[] bytes;
        try {
            bytes = read(path);
        } catch (IOException e) {
            report(path, new byte[0], "cannot be read (" + e.getClass().getSimpleName() + ")");
            return inUse;
        }
        if (!Arrays.equals(bytes, inUseBytes)) {
            try {
                install(path, bytes);
            } catch (CaBundle.InvalidCaBundle e) {
                report(path, bytes, e.getMessage());
            }
        }
        return inUse;
    }

    private synchronized void install(Path path, byte[] bytes) throws CaBundle.InvalidCaBundle {
        CaBundle bundle = CaBundle.parse(new String(bytes, StandardCharsets.UTF_8));
        Log.infof("event=upstream_ca_file_loaded file=%s certificates=%d", path, bundle.certificates().size());
        inUse = Optional.of(bundle);
        inUseBytes = bytes;
        reportedBytes = null;
    }

    /** Reports a broken version once; the problem names what is wrong, never what the file holds. */
    private void report(Path path, byte[] bytes, String problem) {
        if (!Arrays.equals(bytes, reportedBytes)) {
            reportedBytes = bytes;
            Log.warnf("event=upstream_ca_file_invalid file=%s problem=\"%s\" action=%s", path, problem,
                    inUse.isPresent() ? "keeping_last_valid_version" : "system_cas_only");
        }
    }

    private static byte[] read(Path path) throws IOException {
        if (Files.size(path) > MAX_BYTES) {
            throw new IOException("larger than 1 MiB");
        }
        return Files.readAllBytes(path);
    }
}
