package dev.tokenbroker.grant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes a TokenGrant's {@code Accepted} condition through the status subresource, as a JSON merge patch, so the
 * object's spec is never touched and the broker needs only {@code patch} on {@code tokengrants/status}. Writes run
 * on one thread of their own, never on the watcher's; of several verdicts waiting for one object only the latest is
 * written. A failed write (the API server down) is tried again at the next change or resync, since the status still
 * differs then.
 */
@ApplicationScoped
public class TokenGrantStatusWriter {

    static final String ACCEPTED = "Accepted";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Instance<KubernetesClient> clients;
    private final ConcurrentMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final ExecutorService writes = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tokengrant-status");
        thread.setDaemon(true);
        return thread;
    });

    private record Pending(String namespace, String name, Long generation, Verdict verdict) {}

    TokenGrantStatusWriter(Instance<KubernetesClient> clients) {
        this.clients = clients;
    }

    /** Writes the verdict to the object's status, soon and off this thread. */
    void write(TokenGrant object, Verdict verdict) {
        String namespace = object.getMetadata().getNamespace();
        String name = object.getMetadata().getName();
        String key = namespace + "/" + name;
        if (pending.put(key, new Pending(namespace, name, object.getMetadata().getGeneration(), verdict)) == null) {
            writes.execute(() -> patch(pending.remove(key)));
        }
    }

    private void patch(Pending one) {
        if (one == null) {
            return;
        }
        try {
            clients.get().resources(TokenGrant.class).inNamespace(one.namespace()).withName(one.name())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), patchOf(one));
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) { // deleted meanwhile: nothing to say any more
                Log.debugf("event=tokengrant_status_skipped namespace=%s name=%s reason=deleted", one.namespace(), one.name());
                return;
            }
            Log.warnf("event=tokengrant_status_failed namespace=%s name=%s status=%d", one.namespace(), one.name(), e.getCode());
        }
    }

    /** {@code {"status":{"conditions":[...]}}}: the broker's one condition replaces the list. */
    static String patchOf(String reason, boolean accepted, String message, Long generation, Instant now) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("type", ACCEPTED);
        condition.put("status", accepted ? "True" : "False");
        condition.put("reason", reason);
        condition.put("message", message);
        condition.put("lastTransitionTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
        if (generation != null) {
            condition.put("observedGeneration", generation);
        }
        try {
            return JSON.writeValueAsString(Map.of("status", Map.of("conditions", List.of(condition))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String patchOf(Pending one) {
        return patchOf(one.verdict().reason(), one.verdict().accepted(), one.verdict().message(), one.generation(),
                Instant.now());
    }

    @PreDestroy
    void stop() {
        writes.shutdownNow();
    }
}
