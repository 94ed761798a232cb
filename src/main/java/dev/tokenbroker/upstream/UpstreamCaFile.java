package dev.tokenbroker.upstream;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.tls.CaBundle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The CAs of {@code tokenbroker.upstream.ca-file}, trusted for every token endpoint whose credential has no
 * {@code ca_file} of its own. The broker does not start with a file it cannot use; afterwards the file is re-read
 * at each mint (mints are rare, the file is small) and parsed when it changed; a broken or unreadable new version is
 * reported once while the last good one stays in use ({@link LastGood}).
 */
@ApplicationScoped
class UpstreamCaFile {

    /** Largest file read. */
    private static final long MAX_BYTES = 1024 * 1024;

    private final Optional<Path> file;
    private final LastGood<CaBundle> bundle = new LastGood<>();

    UpstreamCaFile(TokenBrokerConfig config, MeterRegistry meters) {
        this.file = config.upstream().caFile();
        if (file.isPresent()) {
            meters.gauge("tokenbroker.config.valid", Tags.of("source", "upstream_ca_file"), this,
                    ca -> ca.bundle.problem().isPresent() ? 0 : 1);
        }
    }

    /** The broker refuses to start with a {@code tokenbroker.upstream.ca-file} it cannot use. */
    void onStart(@Observes StartupEvent event) {
        if (file.isPresent() && reload().current().isEmpty()) {
            throw new IllegalStateException("tokenbroker.upstream.ca-file " + file.get() + ": "
                    + bundle.problem().orElse("unusable"));
        }
    }

    /** Whether a global CA file is configured (for log lines that say what a token endpoint was checked against). */
    boolean configured() {
        return file.isPresent();
    }

    /** The CAs of the file's current version, or of its last good one; empty without a file. */
    Optional<CaBundle> current() {
        return file.isEmpty() ? Optional.empty() : reload().current();
    }

    private LastGood.Outcome<CaBundle> reload() {
        Path path = file.get();
        LastGood.Outcome<CaBundle> outcome = bundle.reload(LastGood.file(path, MAX_BYTES), UpstreamCaFile::parse);
        if (outcome instanceof LastGood.Replaced<CaBundle> replaced) {
            Log.infof("event=upstream_ca_file_loaded file=%s certificates=%d", path, replaced.now().certificates().size());
        } else if (outcome instanceof LastGood.Kept<CaBundle> kept && kept.newProblem()) {
            Log.warnf("event=upstream_ca_file_invalid file=%s problem=\"%s\" action=%s", path, kept.problem(),
                    kept.current().isPresent() ? "keeping_last_valid_version" : "system_cas_only");
        }
        return outcome;
    }

    private static CaBundle parse(byte[] content) throws LastGood.Unusable {
        try {
            return CaBundle.parse(new String(content, StandardCharsets.UTF_8));
        } catch (CaBundle.InvalidCaBundle e) {
            throw new LastGood.Unusable(e.getMessage());
        }
    }
}
