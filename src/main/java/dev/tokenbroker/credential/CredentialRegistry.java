package dev.tokenbroker.credential;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.reload.LastGood;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The credentials being served, read from one directory per mounted Secret. The directory is followed through
 * file-system events, and only the credential that changed is read again (see {@link DirectoryWatch}); the whole
 * directory is read at start and then every {@code full-check-interval}, or every {@code reload-interval} when not
 * watching. A credential whose files turn invalid keeps its last valid version and is reported; a removed one is
 * dropped with its cached tokens.
 */
@ApplicationScoped
public class CredentialRegistry {

    private final TokenBrokerConfig.Credentials config;
    private final CredentialLoader loader;
    private final Event<CredentialDropped> dropped;
    private final Event<CredentialsChanged> changed;
    private final MeterRegistry meters;

    /** Every credential directory seen, with its last good version and what is wrong now. */
    private final Map<String, LastGood<Credential>> entries = new HashMap<>();
    private volatile Map<String, Credential> credentials = Map.of();
    private volatile Map<String, String> problems = Map.of();
    private volatile Optional<String> directoryProblem = Optional.empty();
    /** Whether the directory was listed once: until then the broker is not ready (docs/operations.md, Readiness). */
    private volatile boolean directoryRead;
    private DirectoryWatch watch;

    CredentialRegistry(TokenBrokerConfig config, Event<CredentialDropped> dropped, Event<CredentialsChanged> changed,
            MeterRegistry meters) {
        this.config = config.credentials();
        this.loader = new CredentialLoader(config);
        this.dropped = dropped;
        this.changed = changed;
        this.meters = meters;
        meters.gauge("tokenbroker.credentials.loaded", this, r -> r.credentials.size());
        meters.gauge("tokenbroker.credentials.invalid", this, r -> r.problems.size());
        meters.gauge("tokenbroker.config.valid", Tags.of("source", "credentials_directory"), this,
                r -> r.directoryProblem.isPresent() ? 0 : 1);
    }

    /** Reads the directory, then follows it. */
    void onStart(@Observes StartupEvent event) {
        WatchService events = null;
        if (config.watch()) {
            try {
                events = FileSystems.getDefault().newWatchService();
            } catch (IOException | UnsupportedOperationException e) {
                Log.warnf("event=credentials_watch_unavailable error=%s action=full_check_every_%s",
                        e.getClass().getSimpleName(), config.reloadInterval());
            }
        }
        watch = new DirectoryWatch(config.dir(), events, config.fullCheckInterval(), config.reloadInterval(),
                new DirectoryWatch.Changes() {
                    @Override
                    public void changed(String name) {
                        reload(name);
                    }

                    @Override
                    public void all(String trigger) {
                        reloadAll(trigger);
                    }
                });
        watch.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        if (watch != null) {
            watch.close();
        }
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
        Map<String, String> out = new TreeMap<>(problems);
        directoryProblem.ifPresent(p -> out.put("(directory)", p));
        return out;
    }

    /** Whether the credentials directory has been listed (at start or since): the broker is not ready before. */
    public boolean directoryRead() {
        return directoryRead;
    }

    /** Whether this credential's files are reported invalid now. */
    public boolean reported(String name) {
        return problems.containsKey(name);
    }

    /**
     * A token request found this credential's token file unusable, or usable again: reading it again records the
     * problem (log line, metric, readiness detail) while its last valid version stays, or ends the report.
     */
    void onRecheck(@Observes CredentialRecheck event) {
        reload(event.name());
    }

    /** Reads the whole directory again: every credential, new ones, removed ones. */
    synchronized void reloadAll(String trigger) {
        Path root = config.dir();
        Map<String, Path> dirs;
        try {
            dirs = credentialDirectories(root);
            directoryProblem = Optional.empty();
            directoryRead = true;
        } catch (IOException e) {
            if (directoryProblem.isEmpty()) {
                Log.warnf("event=credentials_dir_unreadable dir=%s error=%s action=%s", root, e.getClass().getSimpleName(),
                        directoryRead ? "serving_last_read" : "not_ready");
            }
            directoryProblem = Optional.of("directory " + root + " cannot be read");
            meters.counter("tokenbroker.credentials.reloads", "trigger", trigger, "result", "error").increment();
            return;
        }
        dirs.forEach(this::read);
        for (String name : Set.copyOf(entries.keySet())) {
            if (!dirs.containsKey(name)) {
                remove(name);
            }
        }
        publish(trigger);
    }

    /** Reads one credential again, after an event about its directory; a directory gone removes it. */
    synchronized void reload(String name) {
        Path dir = config.dir().resolve(name);
        if (Credential.NAME.matcher(name).matches() && Files.isDirectory(dir)) {
            read(name, dir);
        } else if (entries.containsKey(name)) {
            remove(name);
        } else {
            return;
        }
        publish("event");
    }

    private void read(String name, Path dir) {
        LastGood.Outcome<Credential> outcome = entries.computeIfAbsent(name, n -> new LastGood<>())
                .reload(() -> {
                    CredentialLoader.Result result = loader.load(name, dir);
                    if (result instanceof CredentialLoader.Invalid invalid) {
                        throw new LastGood.Unusable(invalid.describe());
                    }
                    return ((CredentialLoader.Valid) result).credential();
                });
        if (outcome instanceof LastGood.Replaced<Credential> replaced) {
            Credential now = replaced.now();
            Credential previous = replaced.previous().orElse(null);
            if (previous == null) {
                Log.infof("event=credential_loaded credential=%s", name);
            } else if (!previous.sameAccountAs(now)) {
                Log.infof("event=credential_account_changed credential=%s", name);
                dropped.fire(new CredentialDropped(name, "account_changed"));
            } else if (!previous.equals(now)) {
                Log.infof("event=credential_updated credential=%s", name);
            }
        } else if (outcome instanceof LastGood.Kept<Credential> kept && kept.newProblem()) {
            Log.warnf("event=credential_invalid credential=%s %s action=%s", name, kept.problem(),
                    kept.current().isEmpty() ? "not_served" : "serving_last_valid_version");
        }
    }

    private void remove(String name) {
        if (entries.remove(name).current().isPresent()) {
            Log.infof("event=credential_removed credential=%s", name);
            dropped.fire(new CredentialDropped(name, "removed"));
        }
    }

    /** Makes what was read visible to requests, in one step. */
    private void publish(String trigger) {
        Map<String, Credential> served = new HashMap<>();
        Map<String, String> invalid = new HashMap<>();
        entries.forEach((name, entry) -> {
            entry.current().ifPresent(credential -> served.put(name, credential));
            entry.problem().ifPresent(problem -> invalid.put(name, problem));
        });
        credentials = Map.copyOf(served);
        problems = Map.copyOf(invalid);
        meters.counter("tokenbroker.credentials.reloads", "trigger", trigger, "result",
                invalid.isEmpty() ? "success" : "invalid").increment();
        changed.fire(new CredentialsChanged());
    }

    private static Map<String, Path> credentialDirectories(Path root) throws IOException {
        CredentialsDirectory.Listing listing = CredentialsDirectory.list(root);
        if (!listing.invalidNames().isEmpty()) {
            Log.debugf("event=credential_dir_ignored count=%d reason=invalid_name", listing.invalidNames().size());
        }
        return listing.credentials();
    }
}
