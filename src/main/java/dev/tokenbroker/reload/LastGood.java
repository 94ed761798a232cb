package dev.tokenbroker.reload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * The last good version of something that is read again and again (a file, a directory, a URL): a new version
 * replaces it only if it reads and checks out; otherwise the last good one stays in use and what is wrong is kept
 * for the log line, the metric and the readiness detail. Reads of {@link #current()} and {@link #problem()} take no
 * lock; reloads are serialised.
 *
 * <p>Used for the credentials, the callers file, the JWKS and the CA files, so that "keep the last good version"
 * is written once.
 *
 * @param <T> the parsed version
 */
public final class LastGood<T> {

    /** Reads and checks one version; throws {@link Unusable} saying what is wrong. */
    @FunctionalInterface
    public interface Reader<T> {
        T read() throws Unusable;
    }

    /** Parses and checks one version's bytes; throws {@link Unusable} saying what is wrong. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(byte[] content) throws Unusable;
    }

    /** A version that cannot be used. The message says what is wrong and never quotes the content. */
    public static class Unusable extends Exception {
        public Unusable(String problem) {
            super(problem, null, false, false);
        }

        /** What went wrong reading a file, by kind only ({@code cannot be read (NoSuchFileException)}). */
        public static Unusable of(IOException e) {
            return new Unusable(e instanceof TooLarge ? e.getMessage()
                    : "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** What one reload did. */
    public sealed interface Outcome<T> permits Replaced, Unchanged, Kept {
        /** The version in use after the reload; empty while no version has been good. */
        Optional<T> current();
    }

    /** A new good version is in use; {@code previous} is the one it replaced. */
    public record Replaced<T>(Optional<T> previous, T now) implements Outcome<T> {
        @Override
        public Optional<T> current() {
            return Optional.of(now);
        }
    }

    /** The bytes read are those read last time (good or not): nothing was parsed, nothing changed. */
    public record Unchanged<T>(Optional<T> current) implements Outcome<T> {}

    /** The version read is unusable; {@code current} stays. {@code newProblem}: not the problem reported last time. */
    public record Kept<T>(Optional<T> current, String problem, boolean newProblem) implements Outcome<T> {}

    private volatile T current;
    private volatile String problem;
    /**
     * SHA-256 of the bytes read last time: not the bytes themselves, so that a credential's secret is not held twice and
     * a directory of callers files (20 MiB at 100,000 callers) is not held twice either (docs/benchmark.md, Callers in
     * files).
     */
    private byte[] lastDigest;

    /** Nothing loaded and nothing wrong yet. */
    public LastGood() {
        this(null);
    }

    /** Nothing loaded yet, reported as {@code initialProblem} until the first reload. */
    public LastGood(String initialProblem) {
        this.problem = initialProblem;
    }

    /** The version in use; empty while no version has been good. */
    public Optional<T> current() {
        return Optional.ofNullable(current);
    }

    /** What is wrong with the latest version read, if anything. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** Reads a version and uses it if it is good. */
    public synchronized Outcome<T> reload(Reader<T> reader) {
        try {
            T next = Objects.requireNonNull(reader.read(), "a reader returns a version or throws");
            Optional<T> previous = current();
            current = next;
            problem = null;
            return new Replaced<>(previous, next);
        } catch (Unusable e) {
            return keep(e);
        }
    }

    /**
     * Reads bytes from {@code source} and parses them, unless they are the bytes read last time: a file re-read on a
     * schedule is parsed (and a broken one reported) only when it changes.
     */
    public synchronized Outcome<T> reload(Reader<byte[]> source, Parser<T> parser) {
        byte[] content;
        try {
            content = source.read();
        } catch (Unusable e) {
            lastDigest = null;
            return keep(e);
        }
        byte[] digest = sha256(content);
        if (MessageDigest.isEqual(digest, lastDigest)) {
            return new Unchanged<>(current());
        }
        lastDigest = digest;
        return reload(() -> parser.parse(content));
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private Outcome<T> keep(Unusable e) {
        boolean fresh = !e.getMessage().equals(problem);
        problem = e.getMessage();
        return new Kept<>(current(), problem, fresh);
    }

    /** A file's bytes as a source for {@link #reload(Reader, Parser)}, refusing files over {@code maxBytes}. */
    public static Reader<byte[]> file(Path file, long maxBytes) {
        return () -> {
            try {
                return readFile(file, maxBytes);
            } catch (IOException e) {
                throw Unusable.of(e);
            }
        };
    }

    /** A file's bytes; one over {@code maxBytes} is refused, so that a mis-mounted volume cannot exhaust memory. */
    public static byte[] readFile(Path file, long maxBytes) throws IOException {
        if (Files.size(file) > maxBytes) {
            throw new TooLarge(maxBytes);
        }
        return Files.readAllBytes(file);
    }

    /** A file over the size read. */
    private static final class TooLarge extends IOException {
        TooLarge(long maxBytes) {
            super("larger than " + (maxBytes >= 1024 * 1024 ? maxBytes / (1024 * 1024) + " MiB" : maxBytes / 1024 + " KiB"),
                    null);
        }
    }
}
