package dev.tokenbroker.token;

import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerAuthenticator;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.problem.ProblemCode;
import dev.tokenbroker.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Pattern;

/** {@code GET /tokens}: an access token for an authenticated caller, within its grants (contract section 3). */
@Path("/tokens")
public class TokensResource {

    private static final Pattern MIN_TTL = Pattern.compile("[0-9]{1,9}");

    private final CallerAuthenticator authenticator;
    private final CredentialRegistry credentials;
    private final TokenService tokens;
    private final TokenBrokerConfig.Tokens config;
    private final MeterRegistry meters;
    private final Clock clock;

    TokensResource(CallerAuthenticator authenticator, CredentialRegistry credentials, TokenService tokens,
            TokenBrokerConfig config, MeterRegistry meters, Clock clock) {
        this.authenticator = authenticator;
        this.credentials = credentials;
        this.tokens = tokens;
        this.config = config.tokens();
        this.meters = meters;
        this.clock = clock;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response token(@Context HttpHeaders headers, @Context UriInfo uri) {
        Timer.Sample sample = Timer.start(meters);
        TokenAudit audit = new TokenAudit();
        try {
            AuthenticatedCaller caller = authenticator.authenticate(headers.getRequestHeader(HttpHeaders.AUTHORIZATION));
            audit.caller(caller);
            MultivaluedMap<String, String> query = uri.getQueryParameters();
            String name = credentialName(query.get("credential"));
            audit.credential(name);
            Duration minTtl = minTtl(query.get("min_ttl"));
            ScopeSet requested = ScopeSet.parse(query.getOrDefault("scope", List.of()));
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
            TokenService.Served served = tokens.token(credential, scopes, minTtl);
            audit.served(served, tokens.fingerprint(served.token()));
            return Response.ok(response(credential, scopes, served.token()))
                    .header(HttpHeaders.CACHE_CONTROL, "no-store")
                    .header("Pragma", "no-cache")
                    .build();
        } catch (ProblemException e) {
            audit.failed(e);
            throw e;
        } finally {
            count(sample, audit);
            audit.write();
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

    private void count(Timer.Sample sample, TokenAudit audit) {
        meters.counter("tokenbroker.requests", "credential", audit.credentialTag(), "caller", audit.callerTag(),
                "outcome", audit.outcome(), "tier", audit.tier()).increment();
        sample.stop(meters.timer("tokenbroker.request.duration", "outcome", audit.outcome().equals("ok") ? "ok" : "error"));
    }
}
