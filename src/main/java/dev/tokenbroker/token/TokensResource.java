package dev.tokenbroker.token;

import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.problem.ProblemCode;
import dev.tokenbroker.problem.ProblemException;
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
     * Answered on the event loop when it can be from memory alone: the caller proven by a static key or a
     * remembered ServiceAccount token, and a token in the in-process tier that meets {@code min_ttl}. Anything
     * else (a token to verify, Redis, the identity provider) runs on a worker thread, from the start.
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @ResponseHeader(name = HttpHeaders.CACHE_CONTROL, value = "no-store")
    @ResponseHeader(name = "Pragma", value = "no-cache")
    public Uni<TokenResponse> token(@RestHeader(HttpHeaders.AUTHORIZATION) List<String> authorization,
            @RestQuery("credential") List<String> credentialParam, @RestQuery("scope") List<String> scopeParam,
            @RestQuery("min_ttl") List<String> minTtlParam) {
        Request request = new Request(authorization, credentialParam, scopeParam, minTtlParam);
        try {
            TokenResponse fromMemory = serve(request, false);
            if (fromMemory != null) {
                return Uni.createFrom().item(fromMemory);
            }
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom().item(() -> serve(request, true)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** One request's parameters, and its caller once proven (so that a request handed to a worker is not proven twice). */
    private static final class Request {
        final List<String> authorization;
        final List<String> credential;
        final List<String> scope;
        final List<String> minTtl;
        AuthenticatedCaller caller;

        Request(List<String> authorization, List<String> credential, List<String> scope, List<String> minTtl) {
            this.authorization = authorization;
            this.credential = credential;
            this.scope = scope;
            this.minTtl = minTtl;
        }
    }

    /**
     * Decides one request, audits and counts it. With {@code mayBlock} false it touches only memory, and returns
     * null (auditing nothing) as soon as it would need more.
     */
    private TokenResponse serve(Request request, boolean mayBlock) {
        long started = System.nanoTime();
        TokenAudit audit = new TokenAudit();
        boolean deferred = false;
        try {
            if (request.caller == null) {
                Optional<AuthenticatedCaller> authenticated = mayBlock
                        ? Optional.of(authenticator.authenticate(request.authorization))
                        : authenticator.authenticateFromMemory(request.authorization);
                if (authenticated.isEmpty()) {
                    deferred = true;
                    return null;
                }
                request.caller = authenticated.get();
            }
            AuthenticatedCaller caller = request.caller;
            audit.caller(caller);
            String name = credentialName(request.credential);
            audit.credential(name);
            Duration minTtl = minTtl(request.minTtl);
            ScopeSet requested = request.scope == null ? ScopeSet.EMPTY : ScopeSet.parse(request.scope);
            audit.scopes(requested);
            if (!caller.caller().hasGrantFor(name)) {
                throw new ProblemException(ProblemCode.FORBIDDEN, "No grant for this credential.");
            }
            Credential credential = credentials.get(name).orElseThrow(() -> new ProblemException(
                    ProblemCode.UNKNOWN_CREDENTIAL, "Credential " + name + " is not loaded."));
            audit.loaded();
            ScopeSet scopes = requested.isEmpty() ? credential.defaultScopes() : requested;
            audit.scopes(scopes);
            if (!caller.caller().permits(name, scopes)) {
                throw new ProblemException(ProblemCode.FORBIDDEN,
                        "No grant for scopes: " + scopes.minus(grantedPart(caller, name, scopes)) + ".");
            }
            if (!credential.scopes().containsAll(scopes)) {
                throw new ProblemException(ProblemCode.INVALID_SCOPE,
                        "Credential " + name + " does not have scopes: " + scopes.minus(credential.scopes()) + ".");
            }
            Optional<TokenService.Served> served = mayBlock
                    ? Optional.of(tokens.token(credential, scopes, minTtl))
                    : tokens.fromMemory(credential, scopes, minTtl);
            if (served.isEmpty()) {
                deferred = true;
                return null;
            }
            audit.served(served.get(), tokens.fingerprint(served.get().token()));
            return response(credential, scopes, served.get().token());
        } catch (ProblemException e) {
            audit.failed(e);
            throw e;
        } finally {
            if (!deferred) {
                requestMeters.record(audit, System.nanoTime() - started);
                audit.write();
            }
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
            throw ProblemException.invalidRequest("The credential parameter is required.");
        }
        if (values.size() > 1) {
            throw ProblemException.invalidRequest("The credential parameter may appear only once.");
        }
        String name = values.get(0);
        if (name.length() > 63 || !Credential.NAME.matcher(name).matches()) {
            throw ProblemException.invalidRequest("The credential parameter is not a valid credential name.");
        }
        return name;
    }

    private Duration minTtl(List<String> values) {
        if (values == null || values.isEmpty()) {
            return config.minTtl();
        }
        if (values.size() > 1 || !MIN_TTL.matcher(values.get(0)).matches()) {
            throw ProblemException.invalidRequest("min_ttl must appear once, as a whole number of seconds.");
        }
        return Duration.ofSeconds(Long.parseLong(values.get(0)));
    }

}
