package dev.tokenbroker.api;

import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenKey;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.broker.TokenService;
import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestQuery;

/** {@code GET /tokens}: an access token for an authenticated caller, within its grants (contract section 3). */
@Path("/tokens")
public class TokensResource {

    private static final Pattern MIN_TTL = Pattern.compile("[0-9]{1,9}");

    private final CallerAuthenticator authenticator;
    private final CredentialRegistry credentials;
    private final TokenService tokens;
    private final TokenBrokerConfig.Tokens config;
    private final RequestMeters requestMeters;
    private final Clock clock;

    TokensResource(CallerAuthenticator authenticator, CredentialRegistry credentials, TokenService tokens,
            TokenBrokerConfig config, RequestMeters requestMeters, Clock clock) {
        this.authenticator = authenticator;
        this.credentials = credentials;
        this.tokens = tokens;
        this.config = config.tokens();
        this.requestMeters = requestMeters;
        this.clock = clock;
    }

    /**
     * Decided on the event loop when it can be without blocking: the caller proven by a static key or a remembered
     * ServiceAccount token, and a token from the in-process tier or, asked without blocking, from Redis that meets
     * {@code min_ttl}. Anything else (a token to verify, a mint) runs on a worker thread.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @ResponseHeader(name = HttpHeaders.CACHE_CONTROL, value = "no-store")
    @ResponseHeader(name = "Pragma", value = "no-cache")
    public Uni<TokenResponse> token(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization,
            @RestQuery("credential") List<String> credentialParam, @RestQuery("scope") List<String> scopeParam,
            @RestQuery("min_ttl") List<String> minTtlParam) {
        Exchange x = new Exchange(authorization, credentialParam, scopeParam, minTtlParam);
        try {
            if (!prepare(x, false)) {
                return onWorker(x);
            }
            Optional<TokenService.Served> memory = tokens.fromMemory(x.credential, x.key, x.minTtl);
            if (memory.isPresent()) {
                return Uni.createFrom().item(served(x, memory.get()));
            }
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(failed(x, e));
        }
        return tokens.fromRedis(x.credential, x.key, x.minTtl).onItemOrFailure().transformToUni((stored, e) -> {
            try {
                if (e != null) {
                    throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
                }
                return stored.isPresent() ? Uni.createFrom().item(served(x, stored.get())) : onWorker(x);
            } catch (RuntimeException failure) {
                return Uni.createFrom().failure(failed(x, failure));
            }
        });
    }

    /** The rest of a request, on a worker thread: the caller's proof checked if it has not been, then a mint. */
    private Uni<TokenResponse> onWorker(Exchange x) {
        return Uni.createFrom().item(() -> {
            try {
                if (x.caller == null) {
                    prepare(x, true);
                    return served(x, tokens.token(x.credential, x.key, x.minTtl));
                }
                return served(x, tokens.minted(x.credential, x.key, x.minTtl));
            } catch (RuntimeException e) {
                throw failed(x, e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** One request: its parameters, what has been decided so far, and its audit line. */
    private static final class Exchange {
        final long started = System.nanoTime();
        final TokenAudit audit = new TokenAudit();
        final List<String> authorization;
        final List<String> credentialParam;
        final List<String> scopeParam;
        final List<String> minTtlParam;
        AuthenticatedCaller caller;
        Credential credential;
        ScopeSet scopes;
        TokenKey key;
        Duration minTtl;
        boolean ended;

        Exchange(List<String> authorization, List<String> credential, List<String> scope, List<String> minTtl) {
            this.authorization = authorization;
            this.credentialParam = credential;
            this.scopeParam = scope;
            this.minTtlParam = minTtl;
        }
    }

    /**
     * Proves the caller and checks the request against its grants and the credential. With {@code mayBlock} false it
     * touches only memory, and returns false (having decided nothing) when the caller's proof needs more.
     */
    private boolean prepare(Exchange x, boolean mayBlock) {
        Optional<AuthenticatedCaller> authenticated = mayBlock
                ? Optional.of(authenticator.authenticate(x.authorization))
                : authenticator.authenticateFromMemory(x.authorization);
        if (authenticated.isEmpty()) {
            return false;
        }
        AuthenticatedCaller caller = authenticated.get();
        x.caller = caller;
        x.audit.caller(caller);
        String name = credentialName(x.credentialParam);
        x.audit.credential(name);
        x.minTtl = minTtl(x.minTtlParam);
        ScopeSet requested = x.scopeParam == null ? ScopeSet.EMPTY : ScopeSet.parse(x.scopeParam);
        x.audit.scopes(requested);
        if (!caller.caller().hasGrantFor(name)) {
            throw new TokenException(Refusal.FORBIDDEN, "No grant for this credential.");
        }
        Credential credential = credentials.get(name).orElseThrow(() -> new TokenException(
                Refusal.UNKNOWN_CREDENTIAL, "Credential " + name + " is not loaded."));
        x.audit.loaded();
        ScopeSet scopes = requested.isEmpty() ? credential.defaultScopes() : requested;
        x.audit.scopes(scopes);
        if (!caller.caller().permits(name, scopes)) {
            throw new TokenException(Refusal.FORBIDDEN,
                    "No grant for scopes: " + scopes.minus(grantedPart(caller, name, scopes)) + ".");
        }
        if (!credential.scopes().containsAll(scopes)) {
            throw new TokenException(Refusal.INVALID_SCOPE,
                    "Credential " + name + " does not have scopes: " + scopes.minus(credential.scopes()) + ".");
        }
        x.credential = credential;
        x.scopes = scopes;
        x.key = TokenKey.of(credential, scopes);
        return true;
    }

    private TokenResponse served(Exchange x, TokenService.Served served) {
        x.audit.served(served, tokens.fingerprint(served.token()));
        TokenResponse response = response(x.credential, x.scopes, served.token());
        end(x);
        return response;
    }

    /** Audits a request that failed; answers the exception to fail it with. */
    private RuntimeException failed(Exchange x, RuntimeException e) {
        if (e instanceof TokenException problem) {
            x.audit.failed(problem);
        }
        end(x);
        return e;
    }

    /** Counts and audits a request once, by the thread that decided it. */
    private void end(Exchange x) {
        if (!x.ended) {
            x.ended = true;
            requestMeters.record(x.audit, System.nanoTime() - x.started);
            x.audit.write();
        }
    }

    private static ScopeSet grantedPart(AuthenticatedCaller caller, String credential, ScopeSet scopes) {
        return new ScopeSet(scopes.scopes().stream()
                .filter(s -> caller.caller().permits(credential, new ScopeSet(List.of(s)))).toList());
    }

    private TokenResponse response(Credential credential, ScopeSet scopes, Token token) {
        Instant now = clock.instant();
        long expiresIn = Math.max(0, token.remaining(now).toSeconds());
        if (config.maxTtl().isPresent()) {
            expiresIn = Math.min(expiresIn, config.maxTtl().get().toSeconds());
        }
        Instant expiresAt = now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(expiresIn);
        return new TokenResponse(token.accessToken(), token.tokenType(), expiresIn, expiresAt.toString(),
                scopes.join(" "), credential.name(), credential.clientId(), credential.orgId(),
                credential.technicalAccountId());
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

    private Duration minTtl(List<String> values) {
        if (values == null || values.isEmpty()) {
            return config.minTtl();
        }
        if (values.size() > 1 || !MIN_TTL.matcher(values.get(0)).matches()) {
            throw TokenException.invalidRequest("min_ttl must appear once, as a whole number of seconds.");
        }
        return Duration.ofSeconds(Long.parseLong(values.get(0)));
    }

}
