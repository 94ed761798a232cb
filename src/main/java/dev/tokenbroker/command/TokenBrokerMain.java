package dev.tokenbroker.command;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The jar's entry point. {@code check}, {@code hash-key} and {@code explain} are offline commands for operators
 * (docs/operations.md, Check before you ship): plain code that starts no server and no Quarkus application.
 * Anything else starts the broker exactly as Quarkus's generated main does ({@code Quarkus.run(args)}); the test
 * on the first argument is all that path pays, and the commands' classes are not even loaded for it.
 */
@QuarkusMain
public class TokenBrokerMain {

    public static void main(String... args) {
        if (args.length > 0 && ("check".equals(args[0]) || "hash-key".equals(args[0]) || "explain".equals(args[0]))) {
            System.exit(Commands.run(args, System.in, System.out, System.err));
        }
        Quarkus.run(args);
    }
}
