package dev.tokenbroker.caller;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.reload.LastGood;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Holds the callers policy, re-read on a schedule: one file, or every {@code *.yaml} file of a directory
 * ({@link CallersFiles}), each kept at its last good version when it breaks and reported; the files' entries are merged
 * into one policy ({@link MergedPolicy}) whenever one of them changes.
 */
@ApplicationScoped
public class CallerPolicyStore {

    private final Path file;
    private final MeterRegistry meters;
    private final CallersFiles files;
    /** Null until the file or directory was first listed. */
    private volatile MergedPolicy merged;

    @Inject
    CallerPolicyStore(TokenBrokerConfig config, MeterRegistry meters) {
        this(config.callers().file(), config.kubernetes().clusters().keySet(), meters);
    }

    CallerPolicyStore(Path file, MeterRegistry meters) {
        this(file, Set.of(), meters);
    }

    /** {@code clusters}: the names of {@code tokenbroker.kubernetes.clusters}, which entries may name. */
    CallerPolicyStore(Path file, Set<String> clusters, MeterRegistry meters) {
        this.file = file;
        this.meters = meters;
        this.files = new CallersFiles(file, clusters);
        meters.gauge("tokenbroker.callers.loaded", this, s -> s.policy().callers().size());
    }

    void onStart(@Observes StartupEvent event) {
        reload();
    }

    /** The policy in use: one immutable object, so a request that takes it once sees one version throughout. */
    public CallerPolicy policy() {
        MergedPolicy now = merged;
        return now == null ? CallerPolicy.DENY_ALL : now.policy();
    }

    /** Entries left out because an earlier file lists their name, key or ServiceAccount already. */
    public List<MergedPolicy.Refused> refused() {
        MergedPolicy now = merged;
        return now == null ? List.of() : now.refused();
    }

    /** What is wrong with the callers files now, if anything: each broken file, then each refused entry. */
    public Optional<String> problem() {
        List<String> problems = new ArrayList<>(files.problems());
        String keeping = policy().callers().isEmpty() ? "; denying every caller"
                : files.directory() ? "; keeping each broken file's last good version" : "; keeping the last good policy";
        String broken = problems.isEmpty() ? "" : String.join("; ", problems) + keeping;
        List<String> all = new ArrayList<>();
        if (!broken.isEmpty()) {
            all.add(broken);
        }
        refused().forEach(refusal -> all.add(refusal.describe()));
        return all.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", all));
    }

    @Scheduled(every = "${tokenbroker.callers.reload-interval}", delayed = "${tokenbroker.callers.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void reload() {
        long start = System.nanoTime();
        CallersFiles.Reload reload = files.reload();
        reload.listingProblem().ifPresent(problem -> {
            Log.warnf("event=callers_invalid file=%s problem=\"%s\"", file, problem);
            meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
        });
        for (CallersFiles.Read read : reload.read()) {
            if (read.outcome() instanceof LastGood.Replaced<List<CallerEntry>> replaced) {
                meters.counter("tokenbroker.callers.reloads", "result", "success").increment();
                Log.infof("event=callers_loaded file=%s callers=%d millis=%d", read.file(), replaced.now().size(),
                        (System.nanoTime() - start) / 1_000_000);
            } else if (read.outcome() instanceof LastGood.Kept<List<CallerEntry>> kept) {
                if (kept.newProblem()) {
                    Log.warnf("event=callers_invalid file=%s problem=\"%s\"%s", read.file(), kept.problem(),
                            kept.current().isPresent() ? " action=keeping_last_good" : "");
                }
                meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
            }
        }
        reload.removed().forEach(gone -> Log.infof("event=callers_file_removed file=%s", gone));
        if (reload.changed()) {
            merge(start);
        }
    }

    private void merge(long start) {
        Set<String> before = refused().stream().map(MergedPolicy.Refused::describe).collect(Collectors.toSet());
        MergedPolicy next = MergedPolicy.of(files.sources());
        merged = next;
        next.refused().stream().filter(refusal -> !before.contains(refusal.describe()))
                .forEach(refusal -> Log.warnf("event=callers_refused file=%s line=%d caller=%s field=%s also=%s",
                        refusal.entry().place(), refusal.entry().line(), refusal.entry().caller().name(), refusal.field(),
                        refusal.kept().where()));
        if (files.directory()) {
            Log.infof("event=callers_policy dir=%s callers=%d refused=%d millis=%d", file, next.policy().callers().size(),
                    next.refused().size(), (System.nanoTime() - start) / 1_000_000);
        }
    }
}
