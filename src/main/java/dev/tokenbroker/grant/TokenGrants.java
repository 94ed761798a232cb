package dev.tokenbroker.grant;

import dev.tokenbroker.caller.CallerPolicyStore;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialsChanged;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The TokenGrant grant source: the objects the watcher reports, each reviewed ({@link TokenGrantReview}) against the
 * bounds of the callers files and the loaded credentials, reviewed again when either changes. The accepted ones are
 * handed to the one caller policy ({@link CallerPolicyStore#useGranted}) as entries, and each object whose status
 * does not say its verdict gets it written ({@link TokenGrantStatusWriter}).
 *
 * <p>Many changes in a row (the first list of thousands of objects) cost one rebuild of the entries, not one each:
 * rebuilds run on one thread, and a change that comes while one is waiting joins it. Nothing here runs on a request.
 */
@ApplicationScoped
public class TokenGrants {

    /** An object as last reported, and its verdict. */
    record Reviewed(TokenGrant object, Verdict verdict) {}

    private final CallerPolicyStore policies;
    private final CredentialRegistry credentials;
    private final TokenGrantStatusWriter statuses;
    private final ConcurrentMap<String, Reviewed> objects = new ConcurrentHashMap<>();
    private final AtomicBoolean rebuildPending = new AtomicBoolean();
    private final ExecutorService rebuilds = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tokengrants");
        thread.setDaemon(true);
        return thread;
    });
    private volatile int published = -1;

    /** How many objects have each verdict reason, as of the last rebuild. */
    private volatile Map<String, Long> byReason = Map.of();

    TokenGrants(CallerPolicyStore policies, CredentialRegistry credentials, TokenGrantStatusWriter statuses,
            MeterRegistry meters) {
        this.policies = policies;
        this.credentials = credentials;
        this.statuses = statuses;
        for (String reason : List.of(Verdict.WITHIN_BOUNDS, Verdict.OUTSIDE_BOUNDS, Verdict.UNKNOWN_CREDENTIAL, Verdict.INVALID)) {
            meters.gauge("tokenbroker.tokengrants", Tags.of("reason", reason), this,
                    grants -> grants.byReason.getOrDefault(reason, 0L));
        }
    }

    void onStart(@Observes StartupEvent event) {
        policies.whenBoundsChange(this::reviewAll);
    }

    void onCredentials(@Observes CredentialsChanged event) {
        reviewAll();
    }

    /** An object was added, changed or listed again. */
    public synchronized void put(TokenGrant object) {
        review(object);
        rebuild();
    }

    /** An object was deleted: it grants nothing from now on. */
    public synchronized void remove(TokenGrant object) {
        if (objects.remove(key(object.getMetadata().getNamespace(), object.getMetadata().getName())) != null) {
            rebuild();
        }
    }

    /** The verdict on an object, as last reviewed. */
    public Optional<Verdict> verdict(String namespace, String name) {
        return Optional.ofNullable(objects.get(key(namespace, name))).map(Reviewed::verdict);
    }

    /** How many objects are known, accepted or not. */
    public int size() {
        return objects.size();
    }

    private synchronized void reviewAll() {
        if (!objects.isEmpty()) {
            objects.values().forEach(reviewed -> review(reviewed.object()));
            rebuild();
        }
    }

    private void review(TokenGrant object) {
        String namespace = object.getMetadata().getNamespace();
        String name = object.getMetadata().getName();
        Verdict verdict = TokenGrantReview.review(namespace, object.getSpec(), policies.policy().bounds(), credentials.names());
        Reviewed before = objects.put(key(namespace, name), new Reviewed(object, verdict));
        if (before == null || !before.verdict().equals(verdict)) {
            if (verdict.accepted()) {
                Log.debugf("event=tokengrant_accepted namespace=%s name=%s", namespace, name);
            } else {
                Log.infof("event=tokengrant_refused namespace=%s name=%s reason=%s message=\"%s\"", namespace, name,
                        verdict.reason(), verdict.message());
            }
        }
        if (!says(object, verdict)) {
            statuses.write(object, verdict);
        }
    }

    /** Whether the object's status already says this verdict (its time of transition aside). */
    static boolean says(TokenGrant object, Verdict verdict) {
        Optional<Condition> accepted = Optional.ofNullable(object.getStatus())
                .map(TokenGrant.Status::conditions).orElse(List.of()).stream()
                .filter(c -> TokenGrantStatusWriter.ACCEPTED.equals(c.getType())).findFirst();
        return accepted.isPresent()
                && accepted.get().getStatus().equals(verdict.accepted() ? "True" : "False")
                && verdict.reason().equals(accepted.get().getReason())
                && verdict.message().equals(accepted.get().getMessage())
                && Objects.equals(object.getMetadata().getGeneration(), accepted.get().getObservedGeneration());
    }

    private void rebuild() {
        if (rebuildPending.compareAndSet(false, true)) {
            rebuilds.execute(() -> {
                rebuildPending.set(false);
                List<Reviewed> all = List.copyOf(objects.values());
                GrantedEntries entries = GrantedEntries.of(all);
                byReason = all.stream().collect(Collectors.groupingBy(reviewed -> reviewed.verdict().reason(),
                        Collectors.counting()));
                policies.useGranted(entries.accounts());
                if (entries.accepted() != published) {
                    published = entries.accepted();
                    Log.infof("event=tokengrants_applied objects=%d accepted=%d", entries.objects(), entries.accepted());
                }
            });
        }
    }

    @PreDestroy
    void stop() {
        rebuilds.shutdownNow();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
