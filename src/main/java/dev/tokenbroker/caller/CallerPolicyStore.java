package dev.tokenbroker.caller;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** Holds the callers policy, re-read on a schedule; a broken file keeps the last good policy and is reported. */
@ApplicationScoped
public class CallerPolicyStore {

    private static final long MAX_FILE_BYTES = 1024 * 1024;

    private final TokenBrokerConfig config;
    private final MeterRegistry meters;
    private volatile CallerPolicy policy = CallerPolicy.DENY_ALL;
    private volatile byte[] lastContent;
    private volatile Optional<String> problem = Optional.of("not loaded yet");

    CallerPolicyStore(TokenBrokerConfig config, MeterRegistry meters) {
        this.config = config;
        this.meters = meters;
        meters.gauge("tokenbroker.callers.loaded", this, s -> s.policy.callers().size());
    }

    void onStart(@Observes StartupEvent event) {
        reload();
    }

    public CallerPolicy policy() {
        return policy;
    }

    /** What is wrong with the callers file now, if anything. */
    public Optional<String> problem() {
        return problem;
    }

    @Scheduled(every = "${tokenbroker.callers.reload-interval}", delayed = "${tokenbroker.callers.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void reload() {
        Path file = config.callers().file();
        byte[] content;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                report(file, "larger than 1 MiB");
                return;
            }
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            report(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
            return;
        }
        if (Arrays.equals(content, lastContent)) {
            return;
        }
        try {
            CallerPolicy next = CallersFile.parse(content);
            policy = next;
            lastContent = content;
            problem = Optional.empty();
            meters.counter("tokenbroker.callers.reloads", "result", "success").increment();
            Log.infof("event=callers_loaded file=%s callers=%d", file, next.callers().size());
        } catch (CallersFile.InvalidCallersFile e) {
            lastContent = content;
            report(file, e.getMessage());
        }
    }

    private void report(Path file, String what) {
        String message = what + (policy.callers().isEmpty() ? "; denying every caller" : "; keeping the last good policy");
        if (!problem.equals(Optional.of(message))) {
            Log.warnf("event=callers_invalid file=%s problem=\"%s\"", file, message);
        }
        problem = Optional.of(message);
        meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
    }
}
