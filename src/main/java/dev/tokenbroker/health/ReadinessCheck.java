package dev.tokenbroker.health;

import dev.tokenbroker.cache.RedisAvailability;
import dev.tokenbroker.cache.RedisPurge;
import dev.tokenbroker.caller.CallerPolicyStore;
import dev.tokenbroker.caller.JwksStore;
import dev.tokenbroker.credential.CredentialRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once credentials and callers were read. Invalid credentials, a broken callers file, an unreadable JWKS
 * and an unreachable Redis show as details, not as down: the broker still serves what it can.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private final CredentialRegistry credentials;
    private final CallerPolicyStore callers;
    private final RedisAvailability redis;
    private final RedisPurge purges;
    private final JwksStore jwks;

    ReadinessCheck(CredentialRegistry credentials, CallerPolicyStore callers, RedisAvailability redis,
            RedisPurge purges, JwksStore jwks) {
        this.purges = purges;
        this.credentials = credentials;
        this.callers = callers;
        this.redis = redis;
        this.jwks = jwks;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("token-broker").up()
                .withData("credentials", String.join(",", new java.util.TreeSet<>(credentials.names())))
                .withData("callers", callers.problem().orElse("ok"))
                .withData("service-accounts", !jwks.configured() ? "off"
                        : jwks.problem().orElse("ok (" + jwks.size() + (jwks.size() == 1 ? " key)" : " keys)")))
                .withData("cache", !redis.enabled() ? "memory" : redis.healthy() ? "memory,redis" : "memory (redis unavailable)");
        if (redis.enabled()) {
            response.withData("redis", redis.problem().orElse("ok")).withData("redis-events", purges.events());
        }
        credentials.problems().forEach((name, problem) -> response.withData("credential." + name, problem));
        return response.build();
    }
}
