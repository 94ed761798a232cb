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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Set;

/** Holds the callers policy, re-read on a schedule; a broken file keeps the last good policy and is reported. */
@ApplicationScoped
public class CallerPolicyStore {

    private final Path file;
    private final Set<String> clusters;
    private final boolean defaultClusterTrusted;
    private volatile int untrustedServiceAccounts;
    private final MeterRegistry meters;
    private final LastGood<CallerPolicy> policy = new LastGood<>("not loaded yet");
    /** What the file last read lists but was not loaded; read only to explain a refusal. */
    private volatile UnloadedCallers unloaded = UnloadedCallers.NONE;
    /** The files' policy with the other grant sources' callers beside it: what requests read. */
    private volatile CallerPolicy merged = CallerPolicy.DENY_ALL;
    private volatile GrantedAccounts granted = GrantedAccounts.NONE;
    private final List<Runnable> boundsListeners = new CopyOnWriteArrayList<>();

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
        this.clusters = Set.copyOf(clusters);
        this.meters = meters;
        meters.gauge("tokenbroker.callers.loaded", this, s -> s.policy().callers().size());
        meters.gauge("tokenbroker.config.valid", Tags.of("source", "callers"), this, s -> s.policy.problem().isPresent() ? 0 : 1);
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

    /** Whether a policy has been read: the broker is not ready before (docs/operations.md, Readiness). */
    public boolean loaded() {
        return policy.current().isPresent();
    }

    /**
     * Entries of the policy in use that name a ServiceAccount of the default cluster while no issuer is set for it:
     * their tokens are all refused (their static keys, if any, still work).
     */
    public int untrustedServiceAccounts() {
        return untrustedServiceAccounts;
    }

    /** What the file last read lists for this key digest or ServiceAccount but was not loaded; for refusals only. */
    UnloadedCallers unloaded() {
        return unloaded;
    }

    /** What is wrong with the callers file now, if anything. */
    public Optional<String> problem() {
        return policy.problem().map(what -> what + (!loaded() ? "; not ready, denying every caller"
                : policy().callers().isEmpty() ? "; denying every caller" : "; keeping the last good policy"));
    }

    @Scheduled(every = "${tokenbroker.callers.reload-interval}", delayed = "${tokenbroker.callers.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void reload() {
        long start = System.nanoTime();
        LastGood.Outcome<CallerPolicy> outcome = policy.reload(LastGood.file(file, CallersFile.MAX_FILE_BYTES),
                content -> {
                    CallersFile.Contents contents = CallersFile.read(content, clusters);
                    unloaded = UnloadedCallers.of(file, contents);
                    return CallersFile.policy(contents);
                });
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
            untrustedServiceAccounts = defaultClusterTrusted ? 0 : (int) replaced.now().callers().stream()
                    .filter(caller -> caller.serviceAccount().isPresent() && caller.cluster().isEmpty()).count();
            if (untrustedServiceAccounts > 0) {
                Log.warnf("event=service_account_callers_untrusted file=%s callers=%d reason=no_issuer "
                        + "settings=tokenbroker.kubernetes.issuer,tokenbroker.kubernetes.jwks-url action=refusing_their_service_account_tokens",
                        file, untrustedServiceAccounts);
            }
        } else if (outcome instanceof LastGood.Kept<CallerPolicy> kept) {
            if (kept.newProblem()) {
                Log.warnf("event=callers_invalid file=%s problem=\"%s\"", file, problem().orElseThrow());
            }
            meters.counter("tokenbroker.callers.reloads", "result", "invalid").increment();
        }
    }
}
