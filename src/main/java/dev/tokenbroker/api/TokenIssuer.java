package dev.tokenbroker.api;

import dev.tokenbroker.broker.TokenService;
import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.caller.GrantDecision;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.token.MinTtl;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.Rejection;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenDigest;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.TokenKey;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Decides one token request, whatever HTTP surface it came by: proves the caller, checks the request against the
 * caller's grants and the credential, asks {@link TokenService} for a token, and counts and audits the decision once,
 * on the thread that made it. A caller proven from memory (a static key, a remembered ServiceAccount token) is
 * decided without leaving the event loop when the token is in memory or in Redis; a signature to check runs on a
 * worker. Failures are {@link TokenException}s; each surface maps them to its own error format.
 */
@ApplicationScoped
public class TokenIssuer {

    private static final Pattern MIN_TTL = Pattern.compile("[0-9]{1,9}");

    /**
     * What a caller asked for, as it arrived (each parameter as all its values; none validated yet); {@code rejected}
     * (null when absent) names a token that an API refused, by its hex SHA-256. {@code http} is the HTTP request it
     * came by (null when none), whose peer address a refusal's audit line names; nothing is read from it otherwise.
     */
    public record Request(List<String> authorization, List<String> credential, List<String> scope, List<String> minTtl,
            List<String> rejected, HttpServerRequest http) {
        public Request(List<String> authorization, List<String> credential, List<String> scope, List<String> minTtl,
                List<String> rejected) {
            this(authorization, credential, scope, minTtl, rejected, null);
        }

        public Request(List<String> authorization, List<String> credential, List<String> scope, List<String> minTtl) {
            this(authorization, credential, scope, minTtl, null, null);
        }
    }

    /**
     * A token handed out, with what callers are told of its life ({@code tokenbroker.tokens.max-ttl} applied) and,
     * for a request that reported a refused token, what the report did (else null).
     */
    public record Issued(Credential credential, ScopeSet scopes, Token token, long expiresIn, Instant expiresAt,
            Rejection rejection) {}

    private final CallerAuthenticator authenticator;
    private final CredentialRegistry credentials;
    private final TokenService tokens;
    private final TokenBrokerConfig.Tokens config;
    private final RequestMeters requestMeters;
    private final Clock clock;
    private final AuditLog auditLog;
    private final MinTtl defaultMinTtl;

    TokenIssuer(CallerAuthenticator authenticator, CredentialRegistry credentials, TokenService tokens,
            TokenBrokerConfig config, RequestMeters requestMeters, Clock clock, AuditLog auditLog) {
        this.auditLog = auditLog;
        this.authenticator = authenticator;
        this.credentials = credentials;
        this.tokens = tokens;
        this.config = config.tokens();
        this.requestMeters = requestMeters;
        this.clock = clock;
        this.defaultMinTtl = MinTtl.byDefault(this.config.minTtl());
    }

    /**
     * A token for this request, handed to {@code answer} (which makes the surface's reply) on the thread that
     * decided, or a {@link TokenException} saying why not. The answer is made with the audit line, in the step that
     * {@link TokenService#token} hands its outcome to: for an answer from memory no Mutiny step at all.
     */
    public <T> Uni<T> issue(Request request, Function<Issued, T> answer) {
        Exchange x = new Exchange(request.http());
        try {
            Optional<AuthenticatedCaller> caller = authenticator.authenticateFromMemory(request.authorization());
            if (caller.isPresent()) {
                return decide(x, request, caller.get(), answer);
            }
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(failed(x, e));
        }
        return Uni.createFrom().item(() -> authenticator.authenticate(request.authorization()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItemOrFailure().transformToUni((caller, e) -> e != null
                        ? Uni.createFrom().failure(failed(x, e))
                        : decide(x, request, caller, answer));
    }

    private <T> Uni<T> decide(Exchange x, Request request, AuthenticatedCaller caller, Function<Issued, T> answer) {
        Credential credential;
        ScopeSet scopes;
        MinTtl minTtl;
        String rejected;
        try {
            x.audit.caller(caller);
            String name = credentialName(request.credential());
            x.audit.credential(name);
            minTtl = minTtl(request.minTtl());
            rejected = request.rejected() == null ? null : TokenDigest.parse(request.rejected());
            x.audit.reported(rejected);
            ScopeSet requested = request.scope() == null ? ScopeSet.EMPTY : ScopeSet.parse(request.scope());
            x.audit.scopes(requested);
            Optional<Credential> loaded = credentials.get(name);
            if (loaded.isPresent()) {
                x.audit.loaded(); // a refusal's metric names the credential too: loaded names are a bounded set
            }
            scopes = GrantDecision.scopes(caller.caller(), name, requested, loaded);
            credential = loaded.get();
            x.audit.scopes(scopes);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(failed(x, e));
        }
        TokenKey key = credential.tokenKey(scopes);
        BiFunction<TokenService.Served, Throwable, Uni<T>> then = (served, e) -> {
            if (e != null) {
                return Uni.createFrom().failure(failed(x, e));
            }
            try {
                x.audit.served(served, tokens.fingerprint(served.token()));
                if (served.rejection() != null) {
                    x.audit.rejected(served.rejection(),
                            served.reported() == null ? null : tokens.fingerprint(served.reported()));
                }
                T reply = answer.apply(issued(credential, scopes, served.token(), served.rejection()));
                end(x);
                return Uni.createFrom().item(reply);
            } catch (RuntimeException failure) {
                return Uni.createFrom().failure(failed(x, failure));
            }
        };
        return rejected == null ? tokens.token(credential, key, minTtl, then) : tokens.replace(credential, key, rejected, minTtl, then);
    }

    /** One request's audit line and start time; counted and written once, by the thread that decided. */
    private static final class Exchange {
        final long started = System.nanoTime();
        final TokenAudit audit = new TokenAudit();
        final HttpServerRequest http;
        boolean ended;

        Exchange(HttpServerRequest http) {
            this.http = http;
        }
    }

    /** Audits a request that failed; answers the exception to fail it with. */
    private RuntimeException failed(Exchange x, Throwable e) {
        if (e instanceof TokenException refused) {
            x.audit.failed(refused);
            x.audit.peer(x.http); // read on refusals only: an answer from memory pays nothing for it
            if (refused.refusal() == Refusal.MINT_BUDGET_EXHAUSTED) {
                x.audit.rejected(Rejection.BUDGET_EXHAUSTED, null); // shown only on a report (reported() set)
            }
        }
        end(x);
        return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
    }

    private void end(Exchange x) {
        if (!x.ended) {
            x.ended = true;
            requestMeters.record(x.audit, System.nanoTime() - x.started);
            x.audit.write(auditLog);
        }
    }

    private Issued issued(Credential credential, ScopeSet scopes, Token token, Rejection rejection) {
        Instant now = clock.instant();
        long expiresIn = Math.max(0, token.remaining(now).toSeconds());
        if (config.maxTtl().isPresent()) {
            expiresIn = Math.min(expiresIn, config.maxTtl().get().toSeconds());
        }
        return new Issued(credential, scopes, token, expiresIn, now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(expiresIn), rejection);
    }

    private static String credentialName(List<String> values) {
        if (values == null || values.isEmpty()) {
            throw TokenException.invalidRequest("The credential parameter is required.");
        }
        if (values.size() > 1) {
            throw TokenException.invalidRequest("The credential parameter may appear only once.");
        }
        String name = values.get(0);
        if (name.length() > 63 || !Credential.NAME.matcher(name).matches()) {
            throw TokenException.invalidRequest("The credential parameter is not a valid credential name.");
        }
        return name;
    }

    private MinTtl minTtl(List<String> values) {
        if (values == null || values.isEmpty()) {
            return defaultMinTtl;
        }
        if (values.size() > 1 || !MIN_TTL.matcher(values.get(0)).matches()) {
            throw TokenException.invalidRequest("min_ttl must appear once, as a whole number of seconds.");
        }
        return MinTtl.named(Duration.ofSeconds(Long.parseLong(values.get(0))));
    }
}
