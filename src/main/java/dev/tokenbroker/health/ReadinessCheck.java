package dev.tokenbroker.health;

import dev.tokenbroker.cache.RedisAvailability;
import dev.tokenbroker.cache.RedisPurge;
import dev.tokenbroker.caller.CallerPolicyStore;
import dev.tokenbroker.caller.TrustedClusters;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.CredentialRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the callers policy has been read and the credentials directory listed: before, the broker could only
 * deny, and a rollout would replace serving pods by pods that deny everyone. Why it is not ready is in
 * {@code not-ready} (and in the loaders' log lines). What the loaders recorded is read here, nothing is read again.
 * Afterwards invalid credentials, a broken callers file (its last good policy stays), an unreadable JWKS and an
 * unreachable Redis show as details, not as down: the broker still serves what it can.
 *
 * <p>By default the answer gives status and counts only: whoever reaches the management port must not learn the
 * credential names (a caller without a grant cannot probe them on the API either: 403 for unknown ones), nor file
 * problems or Redis's error text. Those are in the log lines and metrics already; with
 * {@code tokenbroker.health.details=true} they are in the answer too.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private static final String UNAVAILABLE = "unavailable";

    private final CredentialRegistry credentials;
    private final CallerPolicyStore callers;
    private final RedisAvailability redis;
    private final RedisPurge purges;
    private final TrustedClusters clusters;
    private final boolean details;

    ReadinessCheck(CredentialRegistry credentials, CallerPolicyStore callers, RedisAvailability redis,
            RedisPurge purges, TrustedClusters clusters, TokenBrokerConfig config) {
        this.purges = purges;
        this.credentials = credentials;
        this.callers = callers;
        this.redis = redis;
        this.clusters = clusters;
        this.details = config.health().details();
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, String> problems = credentials.problems();
        List<String> notReady = new ArrayList<>();
        if (!callers.loaded()) {
            notReady.add("callers file not loaded");
        }
        if (!credentials.directoryRead()) {
            notReady.add("credentials directory not read");
        }
        HealthCheckResponseBuilder response = HealthCheckResponse.named("token-broker").status(notReady.isEmpty());
        if (!notReady.isEmpty()) {
            response.withData("not-ready", String.join("; ", notReady));
        }
        response.withData("callers", status(callers.problem(), callers.loaded() ? "invalid" : "not loaded"))
                .withData("service-accounts", !clusters.configured() ? "off" : clusters.problem().map(p -> details ? p : UNAVAILABLE)
                        .orElse("ok (" + clusters.keyCount() + (clusters.keyCount() == 1 ? " key)" : " keys)")))
                .withData("cache", !redis.enabled() ? "memory" : redis.healthy() ? "memory,redis" : "memory (redis unavailable)");
        if (callers.untrustedServiceAccounts() > 0) {
            response.withData("service-account-callers", callers.untrustedServiceAccounts()
                    + " whose ServiceAccount tokens cannot be verified: tokenbroker.kubernetes.issuer and jwks-url are not both set");
        }
        if (redis.enabled()) {
            response.withData("redis", status(redis.problem(), UNAVAILABLE)).withData("redis-events", events());
        }
        if (details) {
            response.withData("credentials", String.join(",", new TreeSet<>(credentials.names())));
            problems.forEach((name, problem) -> response.withData("credential." + name, problem));
        } else {
            response.withData("credentials", credentials.names().size()).withData("credentials-invalid", problems.size());
        }
        return response.build();
    }

    /** {@code ok}, or what is wrong: quoted with details on, else just {@code quiet}. */
    private String status(Optional<String> problem, String quiet) {
        return problem.map(p -> details ? p : quiet).orElse("ok");
    }

    /** The events subscription: {@code subscribed}, {@code subscribing}, or its failure (quoted with details on). */
    private String events() {
        String events = purges.events();
        return details || events.equals("subscribed") || events.equals("subscribing") ? events : UNAVAILABLE;
    }
}
