package dev.tokenbroker.credential;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The credentials being served, read from one directory per mounted Secret and re-read on a schedule.
 * A credential whose files turn invalid keeps its last valid version and is reported; a removed one is
 * dropped with its cached tokens.
 */
@ApplicationScoped
public class CredentialRegistry {

    private final TokenBrokerConfig config;
    private final CredentialLoader loader;
    private final Event<CredentialDropped> dropped;
    private final MeterRegistry meters;

    private volatile Map<String, Credential> credentials = Map.of();
    private volatile Map<String, CredentialLoader.Invalid> problems = Map.of();
    private volatile Optional<String> directoryProblem = Optional.empty();

    CredentialRegistry(TokenBrokerConfig config, Event<CredentialDropped> dropped, MeterRegistry meters) {
        this.config = config;
        this.loader = new CredentialLoader(config.allowInsecureTokenUrl());
        this.dropped = dropped;
        this.meters = meters;
        meters.gauge("tokenbroker.credentials.loaded", this, r -> r.credentials.size());
        meters.gauge("tokenbroker.credentials.invalid", this, r -> r.problems.size());
    }

    void onStart(@Observes StartupEvent event) {
        reload();
    }

    public Optional<Credential> get(String name) {
        return Optional.ofNullable(credentials.get(name));
    }

    /**
     * The credential whose configured {@code client_id} this is, when exactly one has it; empty when none or several
     * do (credentials that share a client id are named by their names).
     */
    public Optional<Credential> byClientId(String clientId) {
        List<Credential> matches = credentials.values().stream().filter(c -> c.clientId().equals(clientId)).limit(2).toList();
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** Names of the credentials being served. */
    public Set<String> names() {
        return credentials.keySet();
    }

    /** Credentials whose files are invalid now, by name, with what is wrong. */
    public Map<String, String> problems() {
        Map<String, String> out = new TreeMap<>();
        problems.forEach((name, invalid) -> out.put(name, invalid.describe()));
        directoryProblem.ifPresent(p -> out.put("(directory)", p));
        return out;
    }

    @Scheduled(every = "${tokenbroker.credentials.reload-interval}", delayed = "${tokenbroker.credentials.reload-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    synchronized void reload() {
        Path root = config.credentials().dir();
        Map<String, Path> dirs;
        try {
            dirs = credentialDirectories(root);
            directoryProblem = Optional.empty();
        } catch (IOException e) {
            if (directoryProblem.isEmpty()) {
                Log.warnf("event=credentials_dir_unreadable dir=%s error=%s", root, e.getClass().getSimpleName());
            }
            directoryProblem = Optional.of("directory " + root + " cannot be read");
            meters.counter("tokenbroker.credentials.reloads", "result", "error").increment();
            return;
        }
        Map<String, Credential> next = new HashMap<>();
        Map<String, CredentialLoader.Invalid> nextProblems = new HashMap<>();
        dirs.forEach((name, dir) -> {
            Credential previous = credentials.get(name);
            CredentialLoader.Result result = loader.load(name, dir);
            if (result instanceof CredentialLoader.Valid valid) {
                next.put(name, valid.credential());
                if (previous == null) {
                    Log.infof("event=credential_loaded credential=%s", name);
                } else if (!previous.sameAccountAs(valid.credential())) {
                    Log.infof("event=credential_account_changed credential=%s", name);
                    dropped.fire(new CredentialDropped(name, "account_changed"));
                } else if (!previous.equals(valid.credential())) {
                    Log.infof("event=credential_updated credential=%s", name);
                }
            } else if (result instanceof CredentialLoader.Invalid invalid) {
                nextProblems.put(name, invalid);
                if (!invalid.equals(problems.get(name))) {
                    Log.warnf("event=credential_invalid credential=%s %s action=%s", name, invalid.describe(),
                            previous == null ? "not_served" : "serving_last_valid_version");
                }
                if (previous != null) {
                    next.put(name, previous);
                }
            }
        });
        for (String name : credentials.keySet()) {
            if (!dirs.containsKey(name)) {
                Log.infof("event=credential_removed credential=%s", name);
                dropped.fire(new CredentialDropped(name, "removed"));
            }
        }
        credentials = Map.copyOf(next);
        problems = Map.copyOf(nextProblems);
        meters.counter("tokenbroker.credentials.reloads", "result", nextProblems.isEmpty() ? "success" : "invalid")
                .increment();
    }

    private static Map<String, Path> credentialDirectories(Path root) throws IOException {
        Map<String, Path> dirs = new HashMap<>();
        Set<String> rejected = new HashSet<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.forEach(entry -> {
                String name = entry.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(entry)) {
                    return;
                }
                if (Credential.NAME.matcher(name).matches()) {
                    dirs.put(name, entry);
                } else {
                    rejected.add(name);
                }
            });
        }
        if (!rejected.isEmpty()) {
            Log.debugf("event=credential_dir_ignored count=%d reason=invalid_name", rejected.size());
        }
        return dirs;
    }
}
