package dev.tokenbroker.caller;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.reload.LastGood;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The public keys that sign one cluster's ServiceAccount tokens, read from its JWKS URL or file, or found through its
 * issuer's OpenID discovery document ({@code <issuer>/.well-known/openid-configuration}, its {@code jwks_uri}), at
 * start, on a schedule, and when a token names a key id not known yet; that last read happens at most once per
 * {@code jwks-min-refresh-interval}, so tokens with made-up key ids cannot make the broker fetch in a loop. A
 * failed read (of the discovery document or of the JWKS) keeps the keys it had and is reported (log line, metric,
 * readiness detail).
 *
 * <p>The bean is the default cluster's ({@code tokenbroker.kubernetes.*}); {@link TrustedClusters} makes one for each
 * of {@code tokenbroker.kubernetes.clusters}. The broker's own ServiceAccount token goes with the default cluster's
 * request only when the URL's host is the in-cluster API server ({@code kubernetes.default.svc} and its forms, or
 * {@code $KUBERNETES_SERVICE_HOST}), unless {@code tokenbroker.kubernetes.send-token=true}: a JWKS URL pointed
 * elsewhere must not collect a token that speaks for the broker. Another cluster's hosts never get it.
 */
@ApplicationScoped
public class JwksStore {

    /** The {@code cluster} tag and log field of the default cluster's keys. */
    public static final String DEFAULT_CLUSTER = "default";
    static final int MAX_JWKS_BYTES = JwksFetch.MAX_BYTES;
    private static final java.util.Set<String> IN_CLUSTER_NAMES = java.util.Set.of(
            "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local");

    /**
     * Where one cluster's keys come from: {@code jwksUrl} (https URL, file path or {@code file:} URL), else the
     * discovery document of {@code issuer}; {@code tokenFile} is sent as bearer where {@code sendToken} allows.
     */
    record Source(String cluster, Optional<String> jwksUrl, Optional<String> issuer, Optional<Path> caFile,
            Optional<Path> tokenFile, boolean sendToken, Duration timeout, Duration minRefreshInterval) {

        /** The default cluster's source, as {@code tokenbroker.kubernetes.*} configures it. */
        static Source of(TokenBrokerConfig.Kubernetes config) {
            return new Source(DEFAULT_CLUSTER, config.jwksUrl(), Optional.empty(), Optional.of(config.caFile()),
                    Optional.of(config.tokenFile()), config.sendToken(), config.jwksTimeout(), config.jwksMinRefreshInterval());
        }
    }

    private final Source config;
    private final Clock clock;
    private final MeterRegistry meters;
    private final JwksFetch fetch;
    private final Optional<URI> url;
    private final Optional<Path> file;
    private final Optional<URI> discovery;
    private final boolean sendToken;
    private final LastGood<Map<String, JWK>> keys = new LastGood<>("not loaded yet");
    private volatile Instant lastRead = Instant.MIN;

    @Inject
    JwksStore(TokenBrokerConfig config, Clock clock, MeterRegistry meters) {
        this(config.kubernetes(), clock, meters);
    }

    JwksStore(TokenBrokerConfig.Kubernetes config, Clock clock, MeterRegistry meters) {
        this(config, clock, meters, Optional.ofNullable(System.getenv("KUBERNETES_SERVICE_HOST")));
    }

    /** {@code apiServerHost}: the in-cluster API server's address as the kubelet tells pods ({@code $KUBERNETES_SERVICE_HOST}). */
    JwksStore(TokenBrokerConfig.Kubernetes config, Clock clock, MeterRegistry meters, Optional<String> apiServerHost) {
        this(Source.of(config), clock, meters, apiServerHost);
    }

    JwksStore(Source config, Clock clock, MeterRegistry meters, Optional<String> apiServerHost) {
        this.config = config;
        this.clock = clock;
        this.meters = meters;
        this.fetch = new JwksFetch(config.caFile(), config.timeout());
        String key = DEFAULT_CLUSTER.equals(config.cluster()) ? "tokenbroker.kubernetes.jwks-url"
                : "tokenbroker.kubernetes.clusters." + config.cluster() + ".jwks-url";
        String source = config.jwksUrl().map(String::strip).orElse("");
        if (source.startsWith("https://")) {
            this.url = Optional.of(URI.create(source));
            this.file = Optional.empty();
        } else if (source.startsWith("file:")) {
            this.url = Optional.empty();
            this.file = Optional.of(Path.of(URI.create(source)));
        } else if (source.contains("://")) {
            throw new IllegalStateException(key + " must be an https URL, a file path or a file: URL");
        } else {
            this.url = Optional.empty();
            this.file = source.isEmpty() ? Optional.empty() : Optional.of(Path.of(source));
        }
        this.discovery = url.isPresent() || file.isPresent() ? Optional.empty() : config.issuer().map(OpenIdDiscovery::url);
        this.sendToken = url.isPresent() && config.tokenFile().isPresent()
                && (config.sendToken() || isInClusterApiServer(url.get().getHost(), apiServerHost));
        if (url.isPresent() && config.tokenFile().isPresent() && !sendToken) {
            Log.infof("event=jwks_token_withheld cluster=%s host=%s reason=not_the_in_cluster_api_server "
                    + "hint=\"set tokenbroker.kubernetes.send-token=true if this host needs the broker's token\"",
                    config.cluster(), url.get().getHost());
        }
        meters.gauge("tokenbroker.jwks.keys", Tags.of("cluster", config.cluster()), this, JwksStore::size);
        if (configured()) {
            meters.gauge("tokenbroker.config.valid", Tags.of("source", "jwks_" + config.cluster()), this,
                    store -> store.keys.problem().isPresent() ? 0 : 1);
        }
        for (String trigger : new String[] {"startup", "schedule", "unknown_key"}) {
            for (String result : new String[] {"success", "error"}) {
                reads(trigger, result);
            }
        }
    }

    /**
     * The API server's in-cluster names ({@code kubernetes.default}, {@code kubernetes.default.svc},
     * {@code kubernetes.default.svc.cluster.local}) or the address the kubelet gives pods. Another cluster domain
     * is not guessed at (a name under someone else's domain could look alike): set {@code send-token} for it.
     */
    static boolean isInClusterApiServer(String host, Optional<String> apiServerHost) {
        if (host == null) {
            return false;
        }
        String name = host.toLowerCase(java.util.Locale.ROOT);
        return IN_CLUSTER_NAMES.contains(name)
                || apiServerHost.map(String::strip).filter(h -> !h.isEmpty() && h.equalsIgnoreCase(unbracketed(name))).isPresent();
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    void onStart(@Observes StartupEvent event) {
        if (configured()) {
            refresh("startup");
        }
    }

    /** The cluster whose keys these are ({@value #DEFAULT_CLUSTER} for the unnamed one). */
    public String cluster() {
        return config.cluster();
    }

    /** Whether a JWKS source (URL, file or discovery) is configured at all. */
    public boolean configured() {
        return url.isPresent() || file.isPresent() || discovery.isPresent();
    }

    /** What is wrong with the JWKS now, if anything. */
    public Optional<String> problem() {
        String prefix = DEFAULT_CLUSTER.equals(config.cluster()) ? "" : "cluster " + config.cluster() + ": ";
        return configured() ? keys.problem().map(what -> prefix + "JWKS " + what + (size() == 0
                ? "; no ServiceAccount token can be checked" : "; keeping " + size() + " keys read before"))
                : Optional.empty();
    }

    /** Number of usable signing keys held now. */
    public int size() {
        return held().size();
    }

    /** Whether a key with this id is held now (without reading the JWKS). */
    public boolean has(String kid) {
        return held().containsKey(kid);
    }

    /** The key with this id; an unknown id reads the JWKS again first, unless it was read very recently. */
    public Optional<JWK> key(String kid) {
        JWK key = held().get(kid);
        if (key == null) {
            refreshForUnknownKey();
            key = held().get(kid);
        }
        return Optional.ofNullable(key);
    }

    private Map<String, JWK> held() {
        return keys.current().orElse(Map.of());
    }

    @Scheduled(every = "${tokenbroker.kubernetes.jwks-refresh-interval}",
            delayed = "${tokenbroker.kubernetes.jwks-refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (configured()) {
            refresh("schedule");
        }
    }

    private synchronized void refreshForUnknownKey() {
        // Callers that waited here while another read ran find it just done and read nothing.
        if (configured() && !clock.instant().isBefore(lastRead.plus(config.minRefreshInterval()))) {
            refresh("unknown_key");
        }
    }

    /** Reads the JWKS now ({@code trigger} tags the metric and log line); keeps the keys held if that fails. */
    public synchronized boolean refresh(String trigger) {
        lastRead = clock.instant();
        Map<String, JWK> before = held();
        LastGood.Outcome<Map<String, JWK>> outcome = keys.reload(this::readKeys);
        if (outcome instanceof LastGood.Kept<Map<String, JWK>> kept) {
            if (kept.newProblem()) {
                Log.warnf("event=jwks_unavailable cluster=%s source=%s trigger=%s problem=\"%s\"", config.cluster(),
                        source(), trigger, problem().orElseThrow());
            }
            reads(trigger, "error").increment();
            return false;
        }
        if (!held().equals(before)) {
            Log.infof("event=jwks_loaded cluster=%s source=%s trigger=%s kids=\"%s\"", config.cluster(), source(), trigger,
                    String.join(",", held().keySet()));
        }
        reads(trigger, "success").increment();
        return true;
    }

    private Counter reads(String trigger, String result) {
        return meters.counter("tokenbroker.jwks.reads", "cluster", config.cluster(), "trigger", trigger, "result", result);
    }

    private Map<String, JWK> readKeys() throws LastGood.Unusable {
        try {
            Map<String, JWK> next = usableKeys(read());
            if (next.isEmpty()) {
                throw new LastGood.Unusable("holds no RS256 or ES256 signing key with a kid");
            }
            return next;
        } catch (ParseException e) {
            throw new LastGood.Unusable("is not a JWKS");
        } catch (JwksFetch.HttpStatus e) {
            throw new LastGood.Unusable("URL answered " + e.getMessage());
        } catch (IOException e) {
            throw LastGood.Unusable.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LastGood.Unusable("read was interrupted");
        }
    }

    private String source() {
        return url.map(URI::toString).or(() -> file.map(Path::toString)).or(() -> discovery.map(URI::toString)).orElse("-");
    }

    private byte[] read() throws IOException, InterruptedException, LastGood.Unusable {
        if (file.isPresent()) {
            return JwksFetch.file(file.get());
        }
        if (url.isPresent()) {
            return fetch.get(url.get(), sendToken ? config.tokenFile() : Optional.empty());
        }
        byte[] document;
        try {
            document = fetch.get(discovery.orElseThrow(), Optional.empty());
        } catch (JwksFetch.HttpStatus e) {
            throw new LastGood.Unusable("discovery document answered " + e.getMessage());
        }
        return fetch.get(OpenIdDiscovery.jwksUri(document, config.issuer().orElseThrow()), Optional.empty());
    }

    /** The public RS256 (2048 bits or more) and ES256 (P-256) signing keys of a JWKS that have a key id. */
    static Map<String, JWK> usableKeys(byte[] json) throws ParseException {
        Map<String, JWK> usable = new LinkedHashMap<>();
        for (JWK key : JWKSet.parse(new String(json, StandardCharsets.UTF_8)).getKeys()) {
            boolean signing = key.getKeyUse() == null || KeyUse.SIGNATURE.equals(key.getKeyUse());
            boolean strong = key instanceof RSAKey rsa && rsa.size() >= 2048
                    || key instanceof ECKey ec && Curve.P_256.equals(ec.getCurve());
            if (key.getKeyID() != null && signing && strong) {
                usable.putIfAbsent(key.getKeyID(), key.toPublicJWK());
            }
        }
        return java.util.Collections.unmodifiableMap(usable);
    }
}
