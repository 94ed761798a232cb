package dev.tokenbroker.command;

import dev.tokenbroker.config.EnvironmentNames;
import dev.tokenbroker.config.TokenBrokerConfig;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * {@code check [--credentials DIR] [--callers FILE|DIR] [--format text|json]}: reads offline what the broker would load,
 * with its own loaders, and prints one finding per line (or a JSON document). Exit 0 without errors, 1 with, 2 when
 * the command line is wrong.
 */
final class CheckCommand {

    private static final Set<String> OPTIONS = Set.of("--credentials", "--callers", "--format");

    private final PrintStream out;
    private final PrintStream err;
    private final Commands.Settings settings;
    private final Map<String, String> environment;

    CheckCommand(PrintStream out, PrintStream err, Commands.Settings settings) {
        this(out, err, settings, System.getenv());
    }

    /** {@code environment}: the variables whose {@code TOKENBROKER_} names must name settings, as at start. */
    CheckCommand(PrintStream out, PrintStream err, Commands.Settings settings, Map<String, String> environment) {
        this.out = out;
        this.err = err;
        this.settings = settings;
        this.environment = environment;
    }

    int run(List<String> args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if ("-h".equals(arg) || "--help".equals(arg)) {
                out.print(Commands.USAGE_TEXT);
                return Commands.OK;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!OPTIONS.contains(name)) {
                return Commands.usage(err, "check: unknown argument " + arg);
            }
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : i + 1 < args.size() ? args.get(++i) : null;
            if (value == null || value.isEmpty()) {
                return Commands.usage(err, "check: " + name + " needs a value");
            }
            if (options.put(name, value) != null) {
                return Commands.usage(err, "check: " + name + " is given twice");
            }
        }
        String format = options.getOrDefault("--format", "text");
        if (!"text".equals(format) && !"json".equals(format)) {
            return Commands.usage(err, "check: --format is text or json");
        }
        Optional<Path> credentials;
        Optional<Path> callers;
        try {
            credentials = Optional.ofNullable(options.get("--credentials")).map(Path::of);
            callers = Optional.ofNullable(options.get("--callers")).map(Path::of);
        } catch (InvalidPathException e) {
            return Commands.usage(err, "check: not a path: " + e.getInput());
        }
        Findings findings = check(credentials, callers);
        if ("json".equals(format)) {
            findings.printJson(out);
        } else {
            findings.printText(out);
        }
        return findings.errors() > 0 ? Commands.FAILED : Commands.OK;
    }

    /** Both where the settings point when neither is named; otherwise only what is named. */
    private Findings check(Optional<Path> credentialsDir, Optional<Path> callersFile) {
        Findings findings = new Findings();
        SortedSet<String> unknownVariables = EnvironmentNames.unknown(environment);
        if (!unknownVariables.isEmpty()) { // the broker would not start; the files are checked all the same
            findings.setting(EnvironmentNames.describe(unknownVariables));
        }
        Optional<Commands.Loaded> loaded = Commands.loadSettings(settings, findings::setting);
        if (loaded.isEmpty()) {
            return findings;
        }
        TokenBrokerConfig config = loaded.get().config();
        boolean both = credentialsDir.isEmpty() && callersFile.isEmpty();
        Optional<CredentialsCheck.Loaded> credentials = Optional.empty();
        if (both || credentialsDir.isPresent()) {
            credentials = new CredentialsCheck(loaded.get().loader(), findings).check(credentialsDir.orElse(config.credentials().dir()));
        }
        if (both || callersFile.isPresent()) {
            new CallersCheck(BrokerSettings.clusters(config), BrokerSettings.defaultClusterTrusted(config), findings)
                    .check(callersFile.orElse(config.callers().file()), credentials);
        }
        return findings;
    }
}
