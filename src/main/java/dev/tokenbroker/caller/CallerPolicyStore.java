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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Set;

/** Holds the callers policy, re-read on a schedule; a broken file keeps the last good policy and is reported. */
@ApplicationScoped
public class CallerPolicyStore {

    private final Path file;
    private final Set<String> clusters;
    private final MeterRegistry meters;
    private final LastGood<CallerPolicy> policy = new LastGood<>("not loaded yet");
    /** The files' policy with the other grant sources' callers beside it: what requests read. */
    private volatile CallerPolicy merged = CallerPolicy.DENY_ALL;
    private volatile GrantedAccounts granted = GrantedAccounts.NONE;
    private final List<Runnable> boundsListeners = new CopyOnWriteArrayList<>();

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
        this.clusters = Set.copyOf(clusters);
        this.meters = meters;
        meters.gauge("tokenbroker.callers.loaded", this, s -> s.policy().callers().size());
    }

    void onStart(@Observes StartupEvent event) {
        reload();
    }

    /** The policy in use: one immutable object, so a request that takes it once sees one version throughout. */
    public CallerPolicy policy() {
        return merged;
    }

    /**
     * Puts these callers of another grant source (TokenGrant objects) beside the files' in the policy, in place of
     * the ones it gave before.
     */
    public synchronized void useGranted(GrantedAccounts accounts) {
        granted = accounts;
        merged = policy.current().orElse(CallerPolicy.DENY_ALL).withGranted(accounts);
    }

    /** Runs the listener whenever a reload changes the bounds of self-service grants. */
    public void whenBoundsChange(Runnable listener) {
        boundsListeners.add(listener);
    }

    /** What is wrong with the callers file now, if anything. */
    public Optional<String> problem() {
        return policy.problem().map(what -> what
                + (policy().callers().isEmpty() ? "; denying every caller" : "; keeping the last good policy"));
    }

    @Scheduled(every = "${tokenbroker.callers.reload-interval}", delayed = "${tokenbroker.callers.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reload() {
        long start = System.nanoTime();
        LastGood.Outcome<CallerPolicy> outcome = policy.reload(LastGood.file(file, CallersFile.MAX_FILE_BYTES),
                content -> CallersFile.parse(content, clusters));
        if (outcome instanceof LastGood.Replaced<CallerPolicy> replaced) {
            synchronized (this) {
                merged = replaced.now().withGranted(granted);
            }
            if (!replaced.previous().map(CallerPolicy::bounds).equals(Optional.of(replaced.now().bounds()))) {
                boundsListeners.forEach(Runnable::run);
            }
            meters.counter("tokenbroker.callers.reloads", "result", "success").increment();
            Log.infof("event=callers_loaded file=%s callers=%d millis=%d", file, replaced.now().callers().size(),
                    (System.nanoTime() - start) / 1_000_000);
        } else if (outcome instanceof LastGood.Kept<CallerPolicy> kept) {
            if (kept.newProblem()) {
                Log.warnf("event=callers_invalid file=%s problem=\"%s\"", file, problem().orElseThrow());
            }
            meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
        }
    }
}
