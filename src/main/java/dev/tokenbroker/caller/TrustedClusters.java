package dev.tokenbroker.caller;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The clusters whose ServiceAccount tokens are trusted, by issuer: the default cluster ({@code tokenbroker.kubernetes.*},
 * when configured) and each of {@code tokenbroker.kubernetes.clusters}, with their own audience and keys. A token's
 * {@code iss} selects its cluster; a ServiceAccount is only ever trusted together with that cluster
 * (docs/configuration.md, Callers from several clusters).
 *
 * <p>The further clusters' keys are read at start and every {@code jwks-refresh-interval}, as the default cluster's
 * are. Their hosts never get the broker's own ServiceAccount token: it speaks for the broker in its own cluster only.
 */
@ApplicationScoped
public class TrustedClusters {

    /** A cluster name: a DNS label (RFC 1123), as Kubernetes names things. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    /**
     * One trusted cluster. {@code name} is empty for the default cluster, whose callers name no {@code cluster}.
     */
    public record TrustedCluster(Optional<String> name, String issuer, String audience, JwksStore keys) {

        /** The {@code cluster} of metrics and log lines: the name, or {@value JwksStore#DEFAULT_CLUSTER}. */
        public String tag() {
            return name.orElse(JwksStore.DEFAULT_CLUSTER);
        }
    }

    private final Map<String, TrustedCluster> byIssuer;
    private final Set<String> names;
    private final List<JwksStore> further = new ArrayList<>();

    @Inject
    TrustedClusters(TokenBrokerConfig config, JwksStore defaultKeys, Clock clock, MeterRegistry meters) {
        this(config.kubernetes(), defaultKeys, clock, meters);
    }

    /** Refuses to start with a cluster name that is no DNS label, or an issuer that two clusters share. */
    TrustedClusters(TokenBrokerConfig.Kubernetes config, JwksStore defaultKeys, Clock clock, MeterRegistry meters) {
        Map<String, TrustedCluster> clusters = new LinkedHashMap<>();
        if (defaultKeys.configured() && config.issuer().isPresent()) {
            clusters.put(config.issuer().get().strip(),
                    new TrustedCluster(Optional.empty(), config.issuer().get().strip(), config.audience(), defaultKeys));
        }
        Set<String> named = new TreeSet<>();
        for (Map.Entry<String, TokenBrokerConfig.Kubernetes.Cluster> entry : new java.util.TreeMap<>(config.clusters()).entrySet()) {
            String name = entry.getKey();
            String key = "tokenbroker.kubernetes.clusters." + name;
            if (!NAME.matcher(name).matches() || name.equals(JwksStore.DEFAULT_CLUSTER)) {
                throw new IllegalStateException(key + ": a cluster name is a DNS label ([a-z0-9-], at most 63), not \""
                        + JwksStore.DEFAULT_CLUSTER + "\"");
            }
            TokenBrokerConfig.Kubernetes.Cluster cluster = entry.getValue();
            String issuer = cluster.issuer().strip();
            if (issuer.isEmpty()) {
                throw new IllegalStateException(key + ".issuer is empty");
            }
            if (clusters.containsKey(issuer)) {
                throw new IllegalStateException(key + ".issuer is the issuer of cluster " + clusters.get(issuer).tag()
                        + " too: an issuer selects one cluster");
            }
            JwksStore keys = new JwksStore(new JwksStore.Source(name, cluster.jwksUrl(), Optional.of(issuer),
                    cluster.caFile(), Optional.empty(), false, config.jwksTimeout(), config.jwksMinRefreshInterval()),
                    clock, meters, Optional.empty());
            clusters.put(issuer, new TrustedCluster(Optional.of(name), issuer, cluster.audience(), keys));
            further.add(keys);
            named.add(name);
        }
        this.byIssuer = Map.copyOf(clusters);
        this.names = Set.copyOf(named);
    }

    void onStart(@Observes StartupEvent event) {
        refresh("startup");
    }

    @Scheduled(every = "${tokenbroker.kubernetes.jwks-refresh-interval}",
            delayed = "${tokenbroker.kubernetes.jwks-refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        refresh("schedule");
    }

    /** Reads the further clusters' keys now (the default cluster's {@link JwksStore} reads its own). */
    public void refresh(String trigger) {
        further.forEach(keys -> keys.refresh(trigger));
    }

    /** The cluster whose tokens carry this {@code iss}. */
    public Optional<TrustedCluster> byIssuer(String issuer) {
        return issuer == null ? Optional.empty() : Optional.ofNullable(byIssuer.get(issuer));
    }

    /** The names of {@code tokenbroker.kubernetes.clusters}, which caller entries may name. */
    public Set<String> names() {
        return names;
    }

    /** Every trusted cluster. */
    public Collection<TrustedCluster> all() {
        return byIssuer.values();
    }

    /** Whether any cluster's ServiceAccount tokens are trusted. */
    public boolean configured() {
        return !byIssuer.isEmpty();
    }

    /** Signing keys held now, over every cluster. */
    public int keyCount() {
        return byIssuer.values().stream().mapToInt(c -> c.keys().size()).sum();
    }

    /** What is wrong with the clusters' keys now, if anything, cluster by cluster. */
    public Optional<String> problem() {
        List<String> problems = byIssuer.values().stream().map(c -> c.keys().problem()).flatMap(Optional::stream).sorted().toList();
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join(" | ", problems));
    }
}
