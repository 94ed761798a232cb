package dev.tokenbroker.metrics;

import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialRegistry;
import dev.tokenbroker.credential.CredentialsChanged;
import dev.tokenbroker.token.Rejection;
import dev.tokenbroker.upstream.ClockOffsets;
import dev.tokenbroker.upstream.UpstreamTokenClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import org.eclipse.microprofile.context.ManagedExecutor;

/**
 * The meters that exist once per credential: whether its files are valid, seconds until its soonest cached
 * token expires, its token endpoint's clock offset, and its upstream calls by every result, its spent mint budgets
 * and its rejected tokens by every result at 0 (so that an alert on
 * {@code increase()} sees the first rejection). Follows the registry's changes; also registers
 * {@code tokenbroker.refreshes} at 0 for both results.
 */
@ApplicationScoped
public class CredentialMeters {

    private final MeterRegistry meters;
    private final CredentialRegistry credentials;
    private final LocalTokenCache localCache;
    private final Clock clock;
    private final ClockOffsets clockOffsets;
    private final Map<String, List<Meter>> gauges = new HashMap<>();
    private final Executor background;

    CredentialMeters(MeterRegistry meters, CredentialRegistry credentials, LocalTokenCache localCache, Clock clock,
            ManagedExecutor background, ClockOffsets clockOffsets) {
        this.meters = meters;
        this.credentials = credentials;
        this.localCache = localCache;
        this.clock = clock;
        this.clockOffsets = clockOffsets;
        this.background = background;
    }

    /** After the registry's first read of the directory (default observers run at APPLICATION + 500). */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
        meters.counter("tokenbroker.refreshes", "result", "success");
        meters.counter("tokenbroker.refreshes", "result", "failure");
        background.execute(this::follow);
    }

    /**
     * Meters follow the credentials from a worker thread, not from the thread that read them: 15 meters a
     * credential cost about 0.6 s at start with 1,000 credentials, which readiness need not wait for (they exist a
     * moment after start, long before the first scrape). Each run reads the registry as it is then, so runs may
     * come in any order.
     */
    void onChange(@Observes CredentialsChanged event) {
        background.execute(this::follow);
    }

    synchronized void follow() {
        long started = System.nanoTime();
        int added = 0;
        Set<String> names = new TreeSet<>(credentials.names());
        credentials.problems().keySet().stream().filter(name -> Credential.NAME.matcher(name).matches()).forEach(names::add);
        for (String name : names) {
            if (!gauges.containsKey(name)) {
                gauges.put(name, register(name));
                added++;
            }
        }
        gauges.keySet().removeIf(name -> {
            if (names.contains(name)) {
                return false;
            }
            gauges.get(name).forEach(meters::remove);
            return true;
        });
        Log.debugf("event=credential_meters_followed credentials=%d added=%d millis=%d", gauges.size(), added,
                (System.nanoTime() - started) / 1_000_000);
    }

    private List<Meter> register(String name) {
        UpstreamTokenClient.RESULTS.forEach(result ->
                meters.counter("tokenbroker.upstream.calls", "credential", name, "result", result));
        meters.counter("tokenbroker.mint.budget.exhausted", "credential", name);
        Rejection.ALL.forEach(result ->
                meters.counter("tokenbroker.token.rejections", "credential", name, "result", result.tag()));
        return List.of(
                Gauge.builder("tokenbroker.credential.valid", () -> valid(name) ? 1 : 0)
                        .tag("credential", name).strongReference(true).register(meters),
                Gauge.builder("tokenbroker.cache.soonest.expiry", () -> secondsUntilSoonestExpiry(name))
                        .tag("credential", name).strongReference(true).register(meters),
                Gauge.builder("tokenbroker.upstream.clock.offset", () -> clockOffsetSeconds(name))
                        .tag("credential", name).strongReference(true).register(meters));
    }

    private boolean valid(String name) {
        return credentials.get(name).isPresent() && !credentials.problems().containsKey(name);
    }

    private double clockOffsetSeconds(String name) {
        return credentials.get(name).flatMap(credential -> clockOffsets.offset(credential.tokenUrl()))
                .map(offset -> offset.toMillis() / 1000.0)
                .orElse(Double.NaN);
    }

    private double secondsUntilSoonestExpiry(String name) {
        return localCache.soonestExpiry(name)
                .map(at -> Math.max(0, Duration.between(clock.instant(), at).toMillis() / 1000.0))
                .orElse(Double.NaN);
    }
}
