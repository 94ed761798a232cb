package dev.tokenbroker.command;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.CredentialLoader;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The offline commands: {@code check}, {@code hash-key} and {@code explain}, and their exit codes. */
final class Commands {

    /** Nothing wrong (warnings allowed); for explain, the request would be allowed. */
    static final int OK = 0;
    /** Something the broker would refuse: an error finding, a key that cannot authenticate, a refused request. */
    static final int FAILED = 1;
    /** The command line itself is wrong. */
    static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: java -jar token-broker.jar check [--credentials DIR] [--callers FILE|DIR] [--format text|json]
                   java -jar token-broker.jar hash-key < file-holding-the-key
                   java -jar token-broker.jar explain --callers FILE|DIR --credentials DIR
                       (--service-account [CLUSTER/]NAMESPACE/NAME | --key-sha256 HEX) --credential NAME [--scope S]...
            check     reads the credentials directory and the callers file (or directory of *.yaml files) as the
                      broker would load them and prints one line per finding, with its file and line; exit 0
                      when no error, 1 with errors, 2 on usage errors. Without
                      --credentials and --callers it checks both where the broker's settings point
                      (tokenbroker.credentials.dir, tokenbroker.callers.file); with either, only what is named.
            hash-key  reads one static caller key on standard input and prints its api-key-sha256 line for the
                      callers file; refuses a key the broker would never accept (under 32 characters, say).
            explain   prints the decision GET /tokens would make for that caller, credential and scopes, with the
                      broker's own rules over the callers file or directory: allowed, with the entry and grants that
                      allow it (file:line), exit 0; or refused, with the status, code and reason, exit 1. Entries
                      refused as repeats and files the broker refuses are noted. Without --scope: the default scopes.
            Settings (tokenbroker.upstream.allowed-hosts, ...) are read as the broker reads them: -D system
            properties, TOKENBROKER_* environment variables, application.properties.
            """;

    /** Reads the broker's settings. */
    @FunctionalInterface
    interface Settings {
        TokenBrokerConfig read() throws BrokerSettings.InvalidSettings;
    }

    /** The broker's settings, and the credential loader they make. */
    record Loaded(TokenBrokerConfig config, CredentialLoader loader) {}

    private Commands() {}

    /**
     * The settings and their credential loader; empty when the broker would refuse them, each problem (it names a
     * setting, never its value) given to {@code problems}.
     */
    static Optional<Loaded> loadSettings(Settings settings, Consumer<String> problems) {
        try {
            TokenBrokerConfig config = settings.read();
            return Optional.of(new Loaded(config, new CredentialLoader(config)));
        } catch (BrokerSettings.InvalidSettings e) {
            e.problems().forEach(problems);
        } catch (IllegalStateException e) { // the loader's check of its settings names the setting, not a secret
            problems.accept(e.getMessage());
        }
        return Optional.empty();
    }

    /** Runs {@code args[0]} with the rest of {@code args}; the exit code. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        return switch (args[0]) {
            case "check" -> new CheckCommand(out, err, () -> BrokerSettings.read(Map.of())).run(rest);
            case "hash-key" -> HashKeyCommand.run(rest, in, out, err);
            case "explain" -> new ExplainCommand(out, err, () -> BrokerSettings.read(Map.of())).run(rest);
            default -> usage(err, "unknown command " + args[0]);
        };
    }

    /** Prints what is wrong with the command line, and the usage; the exit code for it. */
    static int usage(PrintStream err, String problem) {
        err.println("token-broker: " + problem);
        err.print(USAGE_TEXT);
        return USAGE;
    }
}
