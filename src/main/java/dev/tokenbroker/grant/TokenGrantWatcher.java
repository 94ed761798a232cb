package dev.tokenbroker.grant;

import dev.tokenbroker.config.GrantsConfig;
import dev.tokenbroker.config.TokenBrokerConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.util.Optional;

/**
 * Follows the TokenGrant objects through the Kubernetes API with a fabric8 informer, only when
 * {@code tokenbroker.grants.kubernetes.enabled}: list, then watch, a resync every {@code resync-interval}, and a
 * dropped watch resumed (or the list made again) by the informer itself. It only reports what it sees to
 * {@link TokenGrants}; while the API server is down or slow the informer keeps retrying and the last known grants
 * stay in use.
 */
@ApplicationScoped
public class TokenGrantWatcher {

    private final GrantsConfig.Kubernetes config;
    private final Instance<KubernetesClient> clients;
    private final TokenGrants grants;
    private volatile SharedIndexInformer<TokenGrant> informer;
    private volatile Duration firstSync;
    private volatile long startedNanos;

    TokenGrantWatcher(TokenBrokerConfig config, Instance<KubernetesClient> clients, TokenGrants grants) {
        this.config = config.grants().kubernetes();
        this.clients = clients;
        this.grants = grants;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        Optional.ofNullable(informer).ifPresent(SharedIndexInformer::stop);
    }

    /** Whether the first list has been read (and the watch begun). */
    public boolean synced() {
        return informer != null && informer.hasSynced();
    }

    /** How long the first list took, from the informer's start, once it has been read (its events may still be on their way). */
    public Optional<Duration> firstSync() {
        return Optional.ofNullable(firstSync);
    }

    /** How long since the watch started (zero before). */
    public Duration sinceStart() {
        return startedNanos == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    private void start() {
        long began = System.nanoTime();
        startedNanos = began;
        var objects = clients.get().resources(TokenGrant.class);
        informer = config.namespace().map(namespace -> objects.inNamespace(namespace).runnableInformer(resyncMillis()))
                .orElseGet(() -> objects.inAnyNamespace().runnableInformer(resyncMillis()));
        informer.addEventHandler(new ResourceEventHandler<TokenGrant>() {
            @Override
            public void onAdd(TokenGrant object) {
                grants.put(object);
            }

            @Override
            public void onUpdate(TokenGrant before, TokenGrant now) {
                grants.put(now);
            }

            @Override
            public void onDelete(TokenGrant object, boolean finalStateUnknown) {
                grants.remove(object);
            }
        });
        informer.exceptionHandler((started, failure) -> {
            Log.warnf("event=tokengrants_watch_failed namespace=%s started=%s cause=%s retry=true",
                    config.namespace().orElse("*"), started, failure.getClass().getSimpleName());
            return true; // keep trying, keeping the last known grants meanwhile
        });
        Log.infof("event=tokengrants_watching namespace=%s resync=%s", config.namespace().orElse("*"), config.resyncInterval());
        informer.start().whenComplete((done, failure) -> {
            if (failure == null) {
                firstSync = Duration.ofNanos(System.nanoTime() - began);
                Log.infof("event=tokengrants_listed namespace=%s objects=%d millis=%d", config.namespace().orElse("*"),
                        informer.getStore().list().size(), (System.nanoTime() - began) / 1_000_000);
            }
        });
    }

    private long resyncMillis() {
        return config.resyncInterval().toMillis();
    }
}
