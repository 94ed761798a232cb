package dev.tokenbroker.command;

import dev.tokenbroker.config.TokenBrokerConfig;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker's settings, read outside a running broker as the broker reads them: SmallRye Config with Quarkus's
 * set-up (system properties, environment variables, {@code config/application.properties} in the working
 * directory, the jar's {@code application.properties}; the {@code quarkus.profile} profile, {@code prod} by
 * default), bound to the one {@link TokenBrokerConfig} mapping, so defaults and conversions are the broker's own.
 */
final class BrokerSettings {

    /** Ordinal of the settings a test gives: above system properties (400). */
    private static final int OVERRIDES_ORDINAL = 500;
    /** The property a SmallRye problem names, after its code: never the value, which may be anything. */
    private static final Pattern PROBLEM = Pattern.compile("(SRCFG\\d+): (?:The config property )?(\\S+)");

    /** Settings the broker refuses, each named without its value. */
    static final class InvalidSettings extends Exception {
        private final List<String> problems;

        InvalidSettings(List<String> problems) {
            super(String.join("; ", problems), null, false, false);
            this.problems = List.copyOf(problems);
        }

        List<String> problems() {
            return problems;
        }
    }

    private BrokerSettings() {}

    /** The settings, with {@code overrides} above every other source (tests; the command passes none). */
    static TokenBrokerConfig read(Map<String, String> overrides) throws InvalidSettings {
        SmallRyeConfigBuilder builder = ConfigUtils.emptyConfigBuilder().withMapping(TokenBrokerConfig.class);
        if (!overrides.isEmpty()) {
            builder.withSources(new PropertiesConfigSource(overrides, "check", OVERRIDES_ORDINAL));
        }
        SmallRyeConfig config;
        try {
            config = builder.build();
        } catch (ConfigValidationException e) {
            List<String> problems = new ArrayList<>();
            for (int i = 0; i < e.getProblemCount(); i++) {
                problems.add(describe(e.getProblem(i).getMessage()));
            }
            throw new InvalidSettings(problems);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidSettings(List.of(describe(String.valueOf(e.getMessage()))));
        }
        return config.getConfigMapping(TokenBrokerConfig.class);
    }

    /** The further clusters ({@code tokenbroker.kubernetes.clusters}) whose callers a callers file may name. */
    static Set<String> clusters(TokenBrokerConfig config) {
        return config.kubernetes().clusters().keySet();
    }

    /** Whether the default cluster's ServiceAccount tokens can be checked: its issuer and JWKS are both set. */
    static boolean defaultClusterTrusted(TokenBrokerConfig config) {
        return config.kubernetes().issuer().filter(issuer -> !issuer.isBlank()).isPresent()
                && config.kubernetes().jwksUrl().filter(url -> !url.isBlank()).isPresent();
    }

    /** A SmallRye problem as the property it names and what is wrong, without the value it quotes. */
    private static String describe(String message) {
        Matcher m = PROBLEM.matcher(message);
        if (!m.find()) {
            return "a setting is invalid";
        }
        String what = switch (m.group(1)) {
            case "SRCFG00039", "SRCFG00040" -> "has a value that is not valid for it";
            case "SRCFG00050" -> "is not a setting of the broker (misspelt?)";
            case "SRCFG00014" -> "is required";
            default -> "is invalid (" + m.group(1) + ")";
        };
        return m.group(2) + " " + what;
    }
}
