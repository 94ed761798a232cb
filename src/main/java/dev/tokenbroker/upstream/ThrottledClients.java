package dev.tokenbroker.upstream;

import dev.tokenbroker.credential.Credential;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client ids an identity provider answered 429 for, each until its {@code Retry-After} has passed. A 429
 * concerns one client, so it holds back that client id on that host only (every credential using it), never the
 * host's other clients.
 */
@ApplicationScoped
class ThrottledClients {

    private record Client(String host, String clientId) {}

    private final Clock clock;
    private final Map<Client, Instant> until = new ConcurrentHashMap<>();

    ThrottledClients(Clock clock) {
        this.clock = clock;
    }

    /** Holds the credential's client id back for {@code wait}, or longer if it already was. */
    void throttle(Credential credential, Duration wait) {
        until.merge(client(credential), clock.instant().plus(wait), (a, b) -> a.isAfter(b) ? a : b);
    }

    /** How long the credential's client id is still held back, rounded up to whole seconds; empty when it is not. */
    Optional<Duration> remaining(Credential credential) {
        Client client = client(credential);
        Instant end = until.get(client);
        if (end == null) {
            return Optional.empty();
        }
        Duration left = Duration.between(clock.instant(), end);
        if (left.isNegative() || left.isZero()) {
            until.remove(client, end);
            return Optional.empty();
        }
        return Optional.of(Duration.ofSeconds(left.toSeconds() + (left.toNanosPart() == 0 ? 0 : 1)));
    }

    private static Client client(Credential credential) {
        return new Client(HostGuards.hostOf(credential.tokenUrl()), credential.clientId());
    }
}
