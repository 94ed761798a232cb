package dev.tokenbroker.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Grant sources besides the callers files (docs/configuration.md, Grants for many teams). */
public interface GrantsConfig {

    /** Self-service TokenGrant objects read from the Kubernetes API. */
    Kubernetes kubernetes();

    interface Kubernetes {
        /** Whether to watch TokenGrant objects ({@code tokenbroker.dev/v1alpha1}); off, the API server is never contacted. */
        @WithDefault("false")
        boolean enabled();

        /** The only namespace whose TokenGrants are watched (a sidecar: its own); empty: every namespace. */
        Optional<String> namespace();

        /** How often every watched TokenGrant is evaluated again, besides the changes the watch reports. */
        @WithDefault("10m")
        Duration resyncInterval();
    }
}
