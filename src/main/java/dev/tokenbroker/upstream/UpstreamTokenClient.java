package dev.tokenbroker.upstream;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.ClientAuth;
import dev.tokenbroker.credential.CredentialRecheck;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.trace.Spans;
import dev.tokenbroker.trace.TraceSpan;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * Mints tokens at a credential's token endpoint. One mint is a guarded call ({@link HostGuards}: a timeout per
 * attempt, retries with backoff, one circuit breaker per host) of attempts, each a request ({@link TokenEndpoints})
 * and its answer read ({@link TokenResponseReader}); every attempt is timed and counted by result.
 *
 * <p>A 429 concerns one client: its client id is held back on that host until the {@code Retry-After} has passed
 * ({@link ThrottledClients}); mints for it fail at once meanwhile, without a call, and the host's other clients go
 * on. The client authenticates by its {@code auth_method} ({@link ClientAuthenticator}), anew for each attempt;
 * when the first secret is refused and the credential has a {@code client_secret_next}, that one is tried.
 *
 * <p>Each attempt is a span ({@code upstream attempt}) with its number within the guarded call and its result, the
 * {@code result} tag of {@code tokenbroker.upstream.calls}; the REST client's HTTP span is beneath it.
 */
@ApplicationScoped
public class UpstreamTokenClient {

    /** Every {@code result} tag of {@code tokenbroker.upstream.calls}. */
    public static final List<String> RESULTS = List.of("success", "invalid_client", "invalid_scope", "rejected",
            "rate_limited", "throttled", "server_error", "timeout", "io_error", "untrusted_certificate",
            "invalid_response", "circuit_open");

    private final TokenBrokerConfig.Upstream config;
    private final MeterRegistry meters;
    private final TokenEndpoints endpoints;
    private final TokenResponseReader reader;
    private final HostGuards guards;
    private final ThrottledClients throttled;
    private final Spans spans;
    private final Clock clock;
    private final CredentialRegistry registry;
    private final Event<CredentialRecheck> recheck;

    UpstreamTokenClient(TokenBrokerConfig config, MeterRegistry meters, TokenEndpoints endpoints,
            TokenResponseReader reader, HostGuards guards, ThrottledClients throttled, Spans spans, Clock clock,
            CredentialRegistry registry, Event<CredentialRecheck> recheck) {
        this.registry = registry;
        this.recheck = recheck;
        this.spans = spans;
        this.config = config.upstream();
        this.meters = meters;
        this.endpoints = endpoints;
        this.reader = reader;
        this.guards = guards;
        this.throttled = throttled;
        this.clock = clock;
    }

    /** Mints a token; when the first secret is refused and a {@code client_secret_next} exists, tries that. */
    public Token mint(Credential credential, ScopeSet scopes) {
        Optional<Duration> wait = throttled.remaining(credential);
        if (wait.isPresent()) {
            count(credential, "throttled");
            throw new UpstreamUnavailableException("rate_limited", wait);
        }
        List<ClientAuthenticator> authenticators = ClientAuthenticator.of(credential, clock);
        try {
            Token token = guarded(credential, authenticators.get(0), scopes);
            if (credential.clientAuth() instanceof ClientAuth.Federated && registry.reported(credential.name())) {
                recheck.fire(new CredentialRecheck(credential.name())); // its token file is good again
            }
            return token;
        } catch (FederatedAssertion.Unusable e) {
            Log.warnf("event=federated_token_unusable credential=%s file=%s problem=\"%s\" action=mint_refused",
                    credential.name(), e.file(), e.problem());
            recheck.fire(new CredentialRecheck(credential.name()));
            throw e.withRetryAfter(config.retryAfter());
        } catch (UpstreamRejectedException e) {
            if (e.refusedClient() && authenticators.size() > 1) {
                Log.warnf("event=client_secret_refused credential=%s error=%s action=trying_client_secret_next",
                        credential.name(), e.error());
                Token token = guarded(credential, authenticators.get(1), scopes);
                Log.infof("event=client_secret_next_accepted credential=%s", credential.name());
                return token;
            }
            throw e;
        }
    }

    /** State of the circuit breaker of each token endpoint host seen so far. */
    public Map<String, CircuitBreakerState> circuits() {
        return guards.circuits();
    }

    private Token guarded(Credential credential, ClientAuthenticator authenticator, ScopeSet scopes) {
        try {
            int[] attempts = {0};
            return guards.of(credential.tokenUrl()).call(() -> attempt(credential, authenticator, scopes, ++attempts[0]),
                    Token.class);
        } catch (UpstreamRejectedException | FederatedAssertion.Unusable e) {
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
    private Token attempt(Credential credential, ClientAuthenticator authenticator, ScopeSet scopes, int number) {
        Timer.Sample sample = Timer.start(meters);
        ClientAuthenticator.Authentication authentication = authenticator.authenticate();
        try (TraceSpan span = spans.start("upstream attempt").attribute(Spans.CREDENTIAL, credential.name())
                .attribute("token_broker.upstream.attempt", number)
                .attribute("token_broker.upstream.host", HostGuards.hostOf(credential.tokenUrl()))) {
            try (Response response = endpoints.post(credential, authentication, scopes)) {
                Token token = reader.read(credential, authentication, response);
                record(sample, credential, "success", span);
                return token;
            } catch (UpstreamRejectedException e) {
                record(sample, credential, switch (e.error()) {
                    case "invalid_client", "invalid_scope" -> e.error();
                    default -> "rejected";
                }, span);
                throw e;
            } catch (UpstreamUnavailableException e) {
                record(sample, credential, e.reason(), span);
                if (e.reason().equals("rate_limited")) {
                    Duration wait = e.retryAfter().orElse(config.retryAfter());
                    throttled.throttle(credential, wait);
                    Log.warnf("event=upstream_client_throttled credential=%s host=%s retry_after=%d "
                            + "action=holding_back_this_client_id", credential.name(),
                            HostGuards.hostOf(credential.tokenUrl()), wait.toSeconds());
                }
                throw e;
            }
        }
    }

    private void record(Timer.Sample sample, Credential credential, String result, TraceSpan span) {
        sample.stop(meters.timer("tokenbroker.upstream.duration", "credential", credential.name()));
        count(credential, result);
        span.attribute("token_broker.upstream.result", result).outcome(result);
    }

    private void count(Credential credential, String result) {
        meters.counter("tokenbroker.upstream.calls", "credential", credential.name(), "result", result).increment();
    }
}
