package dev.tokenbroker.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.Secret;
import dev.tokenbroker.tls.CaBundle;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * Mints tokens at a credential's token endpoint: form POST, client authentication by {@code auth_method},
 * scopes joined by {@code scope_separator}, RFC 6749 5.2 errors read. Each attempt has a timeout; network
 * errors, 5xx and 429 are retried with exponential backoff and jitter (honouring {@code Retry-After}); other
 * 4xx are not. One circuit breaker per token endpoint host, so one broken provider does not stop the rest.
 *
 * <p>Token endpoints are trusted by the system's CAs, plus those of the credential's {@code ca_file} or, without
 * one, of {@code tokenbroker.upstream.ca-file}. A certificate that fails those checks is a configuration problem:
 * answered as unavailable, but neither retried nor counted by the host's breaker.
 */
@ApplicationScoped
public class UpstreamTokenClient {

    private static final long DEFAULT_EXPIRES_IN = 3600;

    /** Every {@code result} tag of {@code tokenbroker.upstream.calls}. */
    public static final List<String> RESULTS = List.of("success", "invalid_client", "invalid_scope", "rejected",
            "rate_limited", "server_error", "timeout", "io_error", "untrusted_certificate", "circuit_open");

    /** Largest {@code tokenbroker.upstream.ca-file} read. */
    private static final long MAX_CA_FILE_BYTES = 1024 * 1024;

    private final TokenBrokerConfig.Upstream config;
    private final MeterRegistry meters;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<EndpointKey, TokenEndpointApi> endpoints = new ConcurrentHashMap<>();
    private final Map<String, Guard> guards = new ConcurrentHashMap<>();
    private final Map<String, CircuitBreakerState> circuits = new ConcurrentHashMap<>();
    private Optional<CaBundle> globalCa = Optional.empty();
    private byte[] globalCaBytes;
    private byte[] rejectedCaBytes;

    /** One REST client per token URL and the CAs it trusts, so credentials with different CAs never share one. */
    private record EndpointKey(URI tokenUrl, Optional<CaBundle> ca) {}

    UpstreamTokenClient(TokenBrokerConfig config, MeterRegistry meters, ObjectMapper json, Clock clock) {
        this.config = config.upstream();
        this.meters = meters;
        this.json = json;
        this.clock = clock;
    }

    /** The broker refuses to start with a {@code tokenbroker.upstream.ca-file} it cannot use. */
    void onStart(@Observes StartupEvent event) {
        if (config.caFile().isEmpty()) {
            return;
        }
        Path file = config.caFile().get();
        try {
            install(file, readCaFile(file));
        } catch (IOException e) {
            throw new IllegalStateException("tokenbroker.upstream.ca-file " + file + ": cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        } catch (CaBundle.InvalidCaBundle e) {
            throw new IllegalStateException("tokenbroker.upstream.ca-file " + file + ": " + e.getMessage());
        }
    }

    /** Mints a token; when the first secret is refused and a {@code client_secret_next} exists, tries that. */
    public Token mint(Credential credential, ScopeSet scopes) {
        try {
            return guarded(credential, credential.clientSecret(), scopes);
        } catch (UpstreamRejectedException e) {
            if (e.refusedClient() && credential.clientSecretNext().isPresent()) {
                Log.warnf("event=client_secret_refused credential=%s error=%s action=trying_client_secret_next",
                        credential.name(), e.error());
                Token token = guarded(credential, credential.clientSecretNext().get(), scopes);
                Log.infof("event=client_secret_next_accepted credential=%s", credential.name());
                return token;
            }
            throw e;
        }
    }

    /** State of the circuit breaker of each token endpoint host seen so far. */
    public Map<String, CircuitBreakerState> circuits() {
        return Map.copyOf(circuits);
    }

    private Token guarded(Credential credential, Secret secret, ScopeSet scopes) {
        try {
            return guardFor(credential.tokenUrl()).call(() -> attempt(credential, secret, scopes), Token.class);
        } catch (UpstreamRejectedException e) {
            throw e;
        } catch (UpstreamUnavailableException e) {
            // Only an upstream Retry-After travels inside the guard (the backoff honours it); callers always get one.
            throw e.retryAfter().isPresent() ? e : e.withRetryAfter(config.retryAfter());
        } catch (CircuitBreakerOpenException e) {
            count(credential, "circuit_open");
            throw new UpstreamUnavailableException("circuit_open", Optional.of(config.circuitBreaker().delay()));
        } catch (TimeoutException e) {
            count(credential, "timeout");
            throw new UpstreamUnavailableException("timeout", Optional.of(config.retryAfter()));
        } catch (Exception e) {
            count(credential, "io_error");
            throw new UpstreamUnavailableException("io_error", Optional.of(config.retryAfter()));
        }
    }

    /** One attempt; every outcome is counted here, except a timeout that the guard's backstop imposes. */
    private Token attempt(Credential credential, Secret secret, ScopeSet scopes) {
        Timer.Sample sample = Timer.start(meters);
        Response response;
        try {
            response = endpoint(credential).token(authorization(credential, secret), form(credential, secret, scopes));
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e; // the guard's timeout fired; it counts this attempt
            }
            Optional<String> untrusted = certificateProblem(e);
            if (untrusted.isPresent()) {
                record(sample, credential, "untrusted_certificate");
                Log.warnf("event=upstream_untrusted credential=%s host=%s trusted=%s problem=\"%s\" "
                                + "action=not_retried hint=\"check the credential's ca_file or tokenbroker.upstream.ca-file\"",
                        credential.name(), hostOf(credential.tokenUrl()), trustedCas(credential), untrusted.get());
                throw new UpstreamUntrustedException();
            }
            String reason = isTimeout(e) ? "timeout" : "io_error";
            record(sample, credential, reason);
            Log.warnf("event=upstream_failed credential=%s reason=%s exception=%s", credential.name(), reason,
                    e.getClass().getSimpleName());
            throw new UpstreamUnavailableException(reason, Optional.empty());
        }
        try (response) {
            return read(credential, secret, response, sample);
        }
    }

    private Token read(Credential credential, Secret secret, Response response, Timer.Sample sample) {
        int status = response.getStatus();
        String debugId = Optional.ofNullable(response.getHeaderString("X-Debug-Id")).map(UpstreamTokenClient::printable).orElse("-");
        JsonNode body = body(response);
        if (status == 200) {
            JsonNode accessToken = body.path("access_token");
            long expiresIn = body.path("expires_in").asLong(DEFAULT_EXPIRES_IN);
            if (!accessToken.isTextual() || accessToken.asText().isEmpty() || expiresIn <= 0) {
                record(sample, credential, "server_error");
                Log.warnf("event=upstream_invalid_response credential=%s status=200 debug_id=%s", credential.name(), debugId);
                throw new UpstreamUnavailableException("invalid_response", Optional.empty());
            }
            record(sample, credential, "success");
            Instant now = clock.instant();
            return new Token(accessToken.asText(), body.path("token_type").asText("Bearer"), now, now.plusSeconds(expiresIn));
        }
        String error = body.path("error").isTextual() ? printable(body.path("error").asText()) : "http_" + status;
        String description = body.path("error_description").isTextual() ? printable(body.path("error_description").asText().replace(secret.value(), "[redacted]")) : "";
        if (status == 429 || status >= 500) {
            String reason = status == 429 ? "rate_limited" : "server_error";
            record(sample, credential, reason);
            Optional<Duration> retryAfter = retryAfter(response.getHeaderString("Retry-After"));
            Log.warnf("event=upstream_unavailable credential=%s status=%d error=%s retry_after=%s debug_id=%s",
                    credential.name(), status, error, retryAfter.map(Duration::toSeconds).orElse(null), debugId);
            throw new UpstreamUnavailableException(reason, retryAfter);
        }
        record(sample, credential, error.equals("invalid_client") || error.equals("invalid_scope") ? error : "rejected");
        Log.warnf("event=upstream_rejected credential=%s status=%d error=%s error_description=\"%s\" debug_id=%s",
                credential.name(), status, error, description, debugId);
        throw new UpstreamRejectedException(credential.name(), error);
    }

    private JsonNode body(Response response) {
        try {
            String text = response.hasEntity() ? response.readEntity(String.class) : "";
            JsonNode node = text.isBlank() ? null : json.readTree(text);
            return node == null ? json.createObjectNode() : node;
        } catch (IOException | RuntimeException e) {
            return json.createObjectNode();
        }
    }

    private static MultivaluedHashMap<String, String> form(Credential credential, Secret secret, ScopeSet scopes) {
        MultivaluedHashMap<String, String> form = new MultivaluedHashMap<>();
        form.add("grant_type", "client_credentials");
        if (!scopes.isEmpty()) {
            form.add("scope", scopes.join(credential.scopeSeparator().separator()));
        }
        if (credential.authMethod() == AuthMethod.CLIENT_SECRET_POST) {
            form.add("client_id", credential.clientId());
            form.add("client_secret", secret.value());
        }
        return form;
    }

    /** RFC 6749 2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
    private static String authorization(Credential credential, Secret secret) {
        if (credential.authMethod() != AuthMethod.CLIENT_SECRET_BASIC) {
            return null;
        }
        String pair = URLEncoder.encode(credential.clientId(), StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(secret.value(), StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private TokenEndpointApi endpoint(Credential credential) {
        Optional<CaBundle> ca = credential.caBundle().or(this::globalCa);
        return endpoints.computeIfAbsent(new EndpointKey(credential.tokenUrl(), ca), key -> {
            QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                    .baseUri(key.tokenUrl())
                    .connectTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .disableDefaultMapper(true);
            key.ca().ifPresent(bundle -> builder.trustStore(bundle.trustStore(), ""));
            return builder.build(TokenEndpointApi.class);
        });
    }

    /**
     * The CAs of {@code tokenbroker.upstream.ca-file}, re-read when the file changes (mints are rare, the file is
     * small). A broken or unreadable new version is reported once and the last good one kept.
     */
    private synchronized Optional<CaBundle> globalCa() {
        if (config.caFile().isEmpty()) {
            return Optional.empty();
        }
        Path file = config.caFile().get();
        byte[] bytes;
        try {
            bytes = readCaFile(file);
        } catch (IOException e) {
            reportBrokenCaFile(file, new byte[0], "cannot be read (" + e.getClass().getSimpleName() + ")");
            return globalCa;
        }
        if (Arrays.equals(bytes, globalCaBytes)) {
            return globalCa;
        }
        try {
            install(file, bytes);
        } catch (CaBundle.InvalidCaBundle e) {
            reportBrokenCaFile(file, bytes, e.getMessage());
        }
        return globalCa;
    }

    /** Parses a version of the global CA file and, if it is valid, makes it the one in use. */
    private synchronized void install(Path file, byte[] bytes) throws CaBundle.InvalidCaBundle {
        CaBundle bundle = CaBundle.parse(new String(bytes, StandardCharsets.UTF_8));
        Log.infof("event=upstream_ca_file_loaded file=%s certificates=%d", file, bundle.certificates().size());
        globalCa = Optional.of(bundle);
        globalCaBytes = bytes;
        rejectedCaBytes = null;
    }

    private void reportBrokenCaFile(Path file, byte[] bytes, String problem) {
        if (!Arrays.equals(bytes, rejectedCaBytes)) {
            rejectedCaBytes = bytes;
            Log.warnf("event=upstream_ca_file_invalid file=%s problem=\"%s\" action=%s", file, problem,
                    globalCa.isPresent() ? "keeping_last_valid_version" : "system_cas_only");
        }
    }

    private static byte[] readCaFile(Path file) throws IOException {
        if (Files.size(file) > MAX_CA_FILE_BYTES) {
            throw new IOException("larger than 1 MiB");
        }
        return Files.readAllBytes(file);
    }

    /** Which CAs a credential's token endpoint is checked against, for log lines. */
    private String trustedCas(Credential credential) {
        if (credential.caBundle().isPresent()) {
            return "system+credential_ca_file";
        }
        return config.caFile().isPresent() ? "system+upstream_ca_file" : "system";
    }

    private Guard guardFor(URI tokenUrl) {
        return guards.computeIfAbsent(hostOf(tokenUrl), this::newGuard);
    }

    private static String hostOf(URI tokenUrl) {
        return tokenUrl.getHost() + (tokenUrl.getPort() < 0 ? "" : ":" + tokenUrl.getPort());
    }

    private Guard newGuard(String host) {
        TokenBrokerConfig.Breaker breaker = config.circuitBreaker();
        circuits.put(host, CircuitBreakerState.CLOSED);
        meters.gauge("tokenbroker.upstream.circuit.state", List.of(io.micrometer.core.instrument.Tag.of("host", host)),
                circuits, c -> c.getOrDefault(host, CircuitBreakerState.CLOSED).ordinal());
        return Guard.create()
                .withDescription("token endpoint " + host)
                .withRetry()
                    .maxRetries(config.maxRetries())
                    .delay(config.retryDelay().toMillis(), ChronoUnit.MILLIS)
                    .maxDuration(config.maxDuration().toMillis(), ChronoUnit.MILLIS)
                    .abortOn(List.of(UpstreamRejectedException.class, UpstreamUntrustedException.class,
                            CircuitBreakerOpenException.class))
                    .withCustomBackoff().strategy(() -> new RetryAfterBackoff(config.maxRetryDelay())).done()
                    .done()
                .withCircuitBreaker()
                    .name("upstream:" + host)
                    .skipOn(List.of(UpstreamRejectedException.class, UpstreamUntrustedException.class))
                    .requestVolumeThreshold(breaker.requestVolumeThreshold())
                    .failureRatio(breaker.failureRatio())
                    .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                    .onStateChange(state -> {
                        circuits.put(host, state);
                        Log.warnf("event=circuit_state host=%s state=%s", host, state);
                    })
                    .done()
                .withTimeout()
                    // A backstop above the client's own connect and read timeouts, for anything that hangs.
                    .duration(config.timeout().toMillis() + 1000, ChronoUnit.MILLIS)
                    .done()
                .build();
    }

    private void record(Timer.Sample sample, Credential credential, String result) {
        sample.stop(meters.timer("tokenbroker.upstream.duration", "credential", credential.name()));
        count(credential, result);
    }

    private void count(Credential credential, String result) {
        meters.counter("tokenbroker.upstream.calls", "credential", credential.name(), "result", result).increment();
    }

    /**
     * What is wrong with the token endpoint's certificate (unknown CA, wrong host name, expired), when that is why
     * the connection failed: the JDK's words about the peer's certificate, which hold no secret.
     */
    static Optional<String> certificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                return Optional.of(printable(Optional.ofNullable(t.getMessage()).orElse(t.getClass().getSimpleName())));
            }
        }
        return Optional.empty();
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    /** {@code Retry-After} as seconds or an HTTP date. */
    static Optional<Duration> retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(Duration.between(Instant.now(), at)).filter(d -> !d.isNegative());
            } catch (RuntimeException notDate) {
                return Optional.empty();
            }
        }
    }

    /** Upstream text made safe for one log line: printable ASCII, at most 200 characters. */
    private static String printable(String value) {
        String clean = value.replaceAll("[^\\x20-\\x7E]", "?").replace('"', '\'');
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }
}
