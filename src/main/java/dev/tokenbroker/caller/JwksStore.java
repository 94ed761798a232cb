package dev.tokenbroker.caller;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.tls.CaBundle;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The public keys that sign the cluster's ServiceAccount tokens, read from {@code tokenbroker.kubernetes.jwks-url}
 * at start, on a schedule, and when a token names a key id not known yet; that last read happens at most once per
 * {@code jwks-min-refresh-interval}, so tokens with made-up key ids cannot make the broker fetch in a loop. A
 * failed read keeps the keys it had and is reported (log line, metric, readiness detail).
 *
 * <p>The broker's own ServiceAccount token goes with the request only when the URL's host is the in-cluster API
 * server ({@code kubernetes.default.svc} and its forms, or {@code $KUBERNETES_SERVICE_HOST}), unless
 * {@code tokenbroker.kubernetes.send-token=true}: a JWKS URL pointed elsewhere must not collect a token that
 * speaks for the broker.
 *
 * <p>The JWKS is fetched with the JDK's {@link HttpClient}, not a REST client: its trust anchors come from a CA
 * file that exists only inside a cluster, and its bearer token from a file the kubelet rotates, so both are read
 * when the JWKS is.
 */
@ApplicationScoped
public class JwksStore {

    static final int MAX_JWKS_BYTES = 1024 * 1024;
    private static final java.util.Set<String> IN_CLUSTER_NAMES = java.util.Set.of(
            "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local");

    private final TokenBrokerConfig.Kubernetes config;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Optional<URI> url;
    private final Optional<Path> file;
    private final boolean sendToken;
    private final LastGood<Map<String, JWK>> keys = new LastGood<>("not loaded yet");
    private volatile Instant lastRead = Instant.MIN;
    private HttpClient client;
    private byte[] clientCa;

    @Inject
    JwksStore(TokenBrokerConfig config, Clock clock, MeterRegistry meters) {
        this(config.kubernetes(), clock, meters);
    }

    JwksStore(TokenBrokerConfig.Kubernetes config, Clock clock, MeterRegistry meters) {
        this(config, clock, meters, Optional.ofNullable(System.getenv("KUBERNETES_SERVICE_HOST")));
    }

    /** {@code apiServerHost}: the in-cluster API server's address as the kubelet tells pods ({@code $KUBERNETES_SERVICE_HOST}). */
    JwksStore(TokenBrokerConfig.Kubernetes config, Clock clock, MeterRegistry meters, Optional<String> apiServerHost) {
        this.config = config;
        this.clock = clock;
        this.meters = meters;
        String source = config.jwksUrl().map(String::strip).orElse("");
        if (source.startsWith("https://")) {
            this.url = Optional.of(URI.create(source));
            this.file = Optional.empty();
        } else if (source.startsWith("file:")) {
            this.url = Optional.empty();
            this.file = Optional.of(Path.of(URI.create(source)));
        } else if (source.contains("://")) {
            throw new IllegalStateException("tokenbroker.kubernetes.jwks-url must be an https URL, a file path or a file: URL");
        } else {
            this.url = Optional.empty();
            this.file = source.isEmpty() ? Optional.empty() : Optional.of(Path.of(source));
        }
        this.sendToken = url.isPresent() && (config.sendToken() || isInClusterApiServer(url.get().getHost(), apiServerHost));
        if (url.isPresent() && !sendToken) {
            Log.infof("event=jwks_token_withheld host=%s reason=not_the_in_cluster_api_server "
                    + "hint=\"set tokenbroker.kubernetes.send-token=true if this host needs the broker's token\"",
                    url.get().getHost());
        }
        meters.gauge("tokenbroker.jwks.keys", this, JwksStore::size);
        for (String trigger : new String[] {"startup", "schedule", "unknown_key"}) {
            for (String result : new String[] {"success", "error"}) {
                meters.counter("tokenbroker.jwks.reads", "trigger", trigger, "result", result);
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

    /** Whether a JWKS source is configured at all. */
    public boolean configured() {
        return url.isPresent() || file.isPresent();
    }

    /** What is wrong with the JWKS now, if anything. */
    public Optional<String> problem() {
        return configured() ? keys.problem().map(what -> "JWKS " + what + (size() == 0
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
        if (configured() && !clock.instant().isBefore(lastRead.plus(config.jwksMinRefreshInterval()))) {
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
                Log.warnf("event=jwks_unavailable source=%s trigger=%s problem=\"%s\"", source(), trigger,
                        problem().orElseThrow());
            }
            meters.counter("tokenbroker.jwks.reads", "trigger", trigger, "result", "error").increment();
            return false;
        }
        if (!held().equals(before)) {
            Log.infof("event=jwks_loaded source=%s trigger=%s kids=\"%s\"", source(), trigger,
                    String.join(",", held().keySet()));
        }
        meters.counter("tokenbroker.jwks.reads", "trigger", trigger, "result", "success").increment();
        return true;
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
        } catch (HttpStatus e) {
            throw new LastGood.Unusable("URL answered " + e.getMessage());
        } catch (IOException e) {
            throw LastGood.Unusable.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LastGood.Unusable("read was interrupted");
        }
    }

    private String source() {
        return url.map(URI::toString).orElseGet(() -> file.map(Path::toString).orElse("-"));
    }

    private byte[] read() throws IOException, InterruptedException {
        if (file.isPresent()) {
            return LastGood.readFile(file.get(), MAX_JWKS_BYTES);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(url.get()).timeout(config.jwksTimeout())
                .header("Accept", "application/json").GET();
        if (sendToken && Files.isReadable(config.tokenFile())) {
            request.header("Authorization", "Bearer " + Files.readString(config.tokenFile()).strip());
        }
        HttpResponse<InputStream> response = client().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new HttpStatus(response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
            if (bytes.length > MAX_JWKS_BYTES) {
                throw new IOException("larger than 1 MiB");
            }
            return bytes;
        }
    }

    /** A client that trusts the JVM's CAs and those in the CA file; rebuilt when the file changes. */
    private synchronized HttpClient client() throws IOException {
        byte[] ca = Files.isReadable(config.caFile()) ? Files.readAllBytes(config.caFile()) : new byte[0];
        if (client == null || !Arrays.equals(ca, clientCa)) {
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(config.jwksTimeout())
                    .followRedirects(HttpClient.Redirect.NEVER);
            if (ca.length > 0) {
                builder.sslContext(sslContext(ca));
            }
            client = builder.build();
            clientCa = ca;
        }
        return client;
    }

    private static SSLContext sslContext(byte[] pem) throws IOException {
        try {
            return CaBundle.parse(new String(pem, StandardCharsets.UTF_8)).sslContext();
        } catch (CaBundle.InvalidCaBundle e) {
            throw new IOException("CA file unusable (" + e.getMessage() + ")");
        }
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

    /** A JWKS answer other than 200. */
    private static final class HttpStatus extends IOException {
        HttpStatus(int status) {
            super("HTTP " + status, null);
        }
    }
}
