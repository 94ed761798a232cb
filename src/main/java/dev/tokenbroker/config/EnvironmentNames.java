package dev.tokenbroker.config;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMappings;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Environment variables that start with {@code TOKENBROKER_} must name a setting (docs/configuration.md, Environment
 * variables). SmallRye refuses a misspelt {@code -Dtokenbroker.*} key, but not a misspelt variable: an environment
 * variable's name cannot be turned back into one property name ({@code _} stands for {@code .}, {@code -} and
 * quotes), so SmallRye only looks up the names it knows. This check goes the other way: it turns every property
 * name of the {@link TokenBrokerConfig} mapping into the pattern of its variable names (a map key such as a cluster
 * name matches any run of letters, digits and {@code _}) and names each {@code TOKENBROKER_} variable that matches
 * none. The broker stops at start on one ({@link #onStart}); {@code check} reports them too.
 */
@ApplicationScoped
public class EnvironmentNames {

    private static final String PREFIX = "TOKENBROKER_";
    /**
     * The variables that Kubernetes adds for each Service of the namespace unless the pod sets
     * {@code enableServiceLinks: false} (the chart does; a sidecar's application pod may not): a Service named
     * {@code tokenbroker} or {@code tokenbroker-…} gives {@code TOKENBROKER_SERVICE_HOST}, {@code TOKENBROKER_PORT},
     * {@code TOKENBROKER_PORT_8080_TCP_ADDR} and the like. They name no setting and are no mistake.
     */
    private static final Pattern SERVICE_LINK = Pattern.compile(
            "TOKENBROKER_([A-Z0-9_]+_)?(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)");
    private static final List<Pattern> SETTINGS = ConfigMappings
            .getProperties(new ConfigMappings.ConfigClass(TokenBrokerConfig.class, "tokenbroker")).keySet().stream()
            .map(EnvironmentNames::pattern)
            .toList();

    /** Stops the start, before the loaders read anything, when a variable names no setting. */
    void onStart(@Observes @Priority(1) StartupEvent event) {
        SortedSet<String> unknown = unknown(System.getenv());
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(describe(unknown));
        }
    }

    /** The names in {@code environment} that start with {@code TOKENBROKER_} and name no setting (nor a Service). */
    public static SortedSet<String> unknown(Map<String, String> environment) {
        SortedSet<String> unknown = new TreeSet<>();
        for (String name : environment.keySet()) {
            if (name.startsWith(PREFIX) && !SERVICE_LINK.matcher(name).matches()
                    && SETTINGS.stream().noneMatch(setting -> setting.matcher(name).matches())) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    /** What is wrong, naming the variables (never their values, which may be secrets). */
    public static String describe(SortedSet<String> unknown) {
        return "environment variable" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown)
                + (unknown.size() == 1 ? " names" : " name") + " no tokenbroker setting (misspelt?); "
                + "see docs/configuration.md";
    }

    /**
     * The environment variable names of one property name, as SmallRye matches them: letters and digits upper-cased,
     * every other character {@code _}; a map key or list index ({@code *}) any run of letters, digits and {@code _}.
     */
    static Pattern pattern(String property) {
        StringBuilder regex = new StringBuilder();
        for (char c : property.toCharArray()) {
            if (c == '*') {
                regex.append("[A-Z0-9_]+");
            } else if (Character.isLetterOrDigit(c)) {
                regex.append(Character.toUpperCase(c));
            } else {
                regex.append('_');
            }
        }
        return Pattern.compile(regex.toString());
    }
}
