package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run of the packaged jar as a command-line tool ({@code java -jar target/token-broker.jar check ...}), as an
 * operator or a CI step runs it: its own process, environment variables and system properties as given, standard
 * input fed, and what it printed and returned.
 */
public final class JarCommand {

    /** What one run gave. */
    public record Result(int exitCode, String stdout, String stderr, Duration took) {
        /** Both streams, for looking for what must appear nowhere. */
        public String output() {
            return stdout + stderr;
        }
    }

    private JarCommand() {}

    /** Runs the jar with {@code args}; {@code properties} as {@code -D}, {@code environment} added to this one's. */
    public static Result run(List<String> args, Map<String, String> properties, Map<String, String> environment,
            String stdin) {
        Path jar = Path.of("target", "token-broker.jar");
        if (!jar.toFile().isFile()) {
            throw new IllegalStateException(jar + " is missing: *IT tests run after `mvn package` (mvn verify does)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("TOKENBROKER_") || name.startsWith("QUARKUS_"));
        builder.environment().putAll(environment);
        long start = System.nanoTime();
        try {
            Process process = builder.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the command did not end within 120 s: " + args);
            }
            return new Result(process.exitValue(), out.join(), err.join(), Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs the jar with {@code args} and nothing else set. */
    public static Result run(String... args) {
        return run(List.of(args), Map.of(), Map.of(), "");
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
