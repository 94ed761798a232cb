package dev.tokenbroker.caller;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.reload.LastGood;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Holds the callers policy, re-read on a schedule: one file, or every {@code *.yaml} file of a directory
 * ({@link CallersFiles}), each kept at its last good version when it breaks and reported; the files' entries are merged
 * into one policy ({@link MergedPolicy}) whenever one of them changes, and the callers of TokenGrant objects are put
 * beside them ({@link #useGranted}).
 */
@ApplicationScoped
public class CallerPolicyStore {

    private final Path file;
    private final boolean defaultClusterTrusted;
    private final MeterRegistry meters;
    private final CallersFiles files;
    /** The files' entries, changed one file at a time. */
    private final CallerIndex index = new CallerIndex();
    /** The files' policy: the index's maps with the files' bounds. */
    private volatile CallerPolicy fromFiles = CallerPolicy.DENY_ALL;
    /** The files' policy with the other grant sources' callers beside it: what requests read. */
    private volatile CallerPolicy merged = CallerPolicy.DENY_ALL;
    private volatile GrantedAccounts granted = GrantedAccounts.NONE;
    private final List<Runnable> boundsListeners = new CopyOnWriteArrayList<>();
    /** Whether every file was once read well: the broker is not ready before (docs/operations.md, Readiness). */
    private volatile boolean loaded;
    private volatile int untrustedServiceAccounts;
    /** What the files last read list but were not loaded; read only to explain a refusal. */
    private volatile UnloadedCallers unloaded = UnloadedCallers.NONE;

    @Inject
    CallerPolicyStore(TokenBrokerConfig config, MeterRegistry meters) {
        this(config.callers().file(), config.kubernetes().clusters().keySet(),
                config.kubernetes().issuer().filter(issuer -> !issuer.isBlank()).isPresent()
                        && config.kubernetes().jwksUrl().filter(url -> !url.isBlank()).isPresent(), meters);
    }

    CallerPolicyStore(Path file, MeterRegistry meters) {
        this(file, Set.of(), meters);
    }

    /** {@code clusters}: the names of {@code tokenbroker.kubernetes.clusters}, which entries may name. */
    CallerPolicyStore(Path file, Set<String> clusters, MeterRegistry meters) {
        this(file, clusters, true, meters);
    }

    /**
     * {@code defaultClusterTrusted}: whether {@code tokenbroker.kubernetes.issuer} and {@code jwks-url} are set,
     * without which the ServiceAccount tokens of entries that name no {@code cluster} are all refused.
     */
    CallerPolicyStore(Path file, Set<String> clusters, boolean defaultClusterTrusted, MeterRegistry meters) {
        this.file = file;
        this.defaultClusterTrusted = defaultClusterTrusted;
        this.meters = meters;
        this.files = new CallersFiles(file, clusters);
        meters.gauge("tokenbroker.callers.loaded", this, s -> s.policy().size());
        meters.gauge("tokenbroker.callers.refused", this, s -> s.refused().size());
        meters.gauge("tokenbroker.config.valid", Tags.of("source", "callers"), this, s -> s.problem().isPresent() ? 0 : 1);
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
        merged = fromFiles.withGranted(accounts);
    }

    /** Runs the listener whenever a reload changes the bounds of self-service grants. */
    public void whenBoundsChange(Runnable listener) {
        boundsListeners.add(listener);
    }

    /** Whether the policy has been read: every callers file once read well (docs/operations.md, Readiness). */
    public boolean loaded() {
        return loaded;
    }

    /**
     * Entries of the policy in use that name a ServiceAccount of the default cluster while no issuer is set for it:
     * their tokens are all refused (their static keys, if any, still work).
     */
    public int untrustedServiceAccounts() {
        return untrustedServiceAccounts;
    }

    /** What the files last read list for this key digest or ServiceAccount but was not loaded; for refusals only. */
    UnloadedCallers unloaded() {
        return unloaded;
    }

    /** Entries left out because an earlier file lists their name, key or ServiceAccount already. */
    public List<MergedPolicy.Refused> refused() {
        return index.refused();
    }

    /** What is wrong with the callers files now, if anything: each broken file, then each refused entry. */
    public Optional<String> problem() {
        List<String> problems = files.problems();
        String keeping = !loaded ? "; not ready, denying every caller"
                : fromFiles.size() == 0 ? "; denying every caller"
                : files.directory() ? "; keeping each broken file's last good version" : "; keeping the last good policy";
        List<String> all = new ArrayList<>();
        if (!problems.isEmpty()) {
            all.add(String.join("; ", problems) + keeping);
        }
        refused().forEach(refusal -> all.add(refusal.describe()));
        return all.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", all));
    }

    @Scheduled(every = "${tokenbroker.callers.reload-interval}", delayed = "${tokenbroker.callers.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void reload() {
        long start = System.nanoTime();
        List<MergedPolicy.Refused> refusedBefore = index.refused(); // an immutable snapshot: nothing copied per tick
        Bounds boundsBefore = fromFiles.bounds();
        CallersFiles.Reload reload = files.reload();
        reload.listingProblem().ifPresent(problem -> {
            Log.warnf("event=callers_invalid file=%s problem=\"%s\"%s", file, problem, loaded ? "" : " action=not_ready");
            meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
        });
        for (CallersFiles.Read read : reload.read()) {
            if (read.outcome() instanceof LastGood.Replaced<CallersFile.Entries> replaced) {
                index.apply(read.file().toString(), replaced.now());
                meters.counter("tokenbroker.callers.reloads", "result", "success").increment();
                Log.infof("event=callers_loaded file=%s callers=%d millis=%d", read.file(), replaced.now().callers().size(),
                        (System.nanoTime() - start) / 1_000_000);
            } else if (read.outcome() instanceof LastGood.Kept<CallersFile.Entries> kept) {
                if (kept.newProblem()) {
                    Log.warnf("event=callers_invalid file=%s problem=\"%s\" action=%s", read.file(), kept.problem(),
                            kept.current().isPresent() ? "keeping_last_good" : loaded ? "denying_its_callers"
                                    : "not_ready, denying every caller");
                }
                meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
            }
        }
        for (Path gone : reload.removed()) {
            index.apply(gone.toString(), CallersFile.Entries.NONE);
            Log.infof("event=callers_file_removed file=%s", gone);
        }
        if (reload.changed() || !reload.read().isEmpty()) {
            unloaded = files.unloaded();
        }
        if (reload.changed()) {
            merge(start, refusedBefore, boundsBefore);
        }
        if (!loaded && files.allRead()) {
            loaded = true;
        }
    }

    /** Publishes what the index holds after a change: the refusals it made, the bounds, the counts. */
    private void merge(long start, List<MergedPolicy.Refused> refusedBefore, Bounds boundsBefore) {
        CallerPolicy next = new CallerPolicy(index, index.bounds(), GrantedAccounts.NONE);
        synchronized (this) {
            fromFiles = next;
            merged = next.withGranted(granted);
        }
        List<MergedPolicy.Refused> refused = index.refused();
        Set<String> before = refusedBefore.stream().map(MergedPolicy.Refused::describe).collect(Collectors.toSet());
        refused.stream().filter(refusal -> !before.contains(refusal.describe()))
                .forEach(refusal -> Log.warnf("event=callers_refused file=%s line=%d caller=%s field=%s also=%s",
                        refusal.entry().place(), refusal.entry().line(), refusal.entry().caller().name(), refusal.field(),
                        refusal.kept().where()));
        if (files.directory()) {
            Log.infof("event=callers_policy dir=%s callers=%d refused=%d millis=%d", file, next.size(), refused.size(),
                    (System.nanoTime() - start) / 1_000_000);
        }
        if (!boundsBefore.equals(next.bounds())) {
            boundsListeners.forEach(Runnable::run);
        }
        untrustedServiceAccounts = defaultClusterTrusted ? 0 : next.defaultClusterServiceAccounts();
        if (untrustedServiceAccounts > 0) {
            Log.warnf("event=service_account_callers_untrusted file=%s callers=%d reason=no_issuer "
                    + "settings=tokenbroker.kubernetes.issuer,tokenbroker.kubernetes.jwks-url action=refusing_their_service_account_tokens",
                    file, untrustedServiceAccounts);
        }
    }
}
