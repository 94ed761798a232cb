package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Writes credential directories the way the kubelet mounts a Secret: files in a timestamped folder, a
 * {@code ..data} symlink to it, and one symlink per key through {@code ..data}. An update writes a new folder
 * and swaps {@code ..data} with one atomic rename, as the kubelet's AtomicWriter does.
 */
public final class SecretMount {

    private static final AtomicInteger VERSION = new AtomicInteger();
    private final Path root;

    public SecretMount(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Creates or replaces credential {@code name} with exactly these files. */
    public synchronized void write(String name, Map<String, String> files) {
        try {
            Path dir = Files.createDirectories(root.resolve(name));
            Path version = dir.resolve("..2026_11_27_00_00_00." + VERSION.incrementAndGet());
            Files.createDirectory(version);
            for (Map.Entry<String, String> file : files.entrySet()) {
                Files.writeString(version.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
            }
            Path data = dir.resolve("..data");
            Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
            Path staged = dir.resolve("..data_tmp");
            Files.deleteIfExists(staged);
            Files.createSymbolicLink(staged, version.getFileName());
            Files.move(staged, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String file : files.keySet()) {
                Path link = dir.resolve(file);
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of("..data", file));
                }
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.toList()) {
                    String file = entry.getFileName().toString();
                    if (!file.startsWith(".") && !files.containsKey(file)) {
                        Files.delete(entry);
                    }
                }
            }
            if (previous != null) {
                deleteTree(previous);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces one file of a credential, keeping the others. */
    public void update(String name, String file, String value) {
        Map<String, String> files = read(name);
        if (value == null) {
            files.remove(file);
        } else {
            files.put(file, value);
        }
        write(name, files);
    }

    public Map<String, String> read(String name) {
        Map<String, String> files = new LinkedHashMap<>();
        Path data = root.resolve(name).resolve("..data");
        if (!Files.isDirectory(data)) {
            return files;
        }
        try (Stream<Path> entries = Files.list(data)) {
            for (Path entry : entries.sorted().toList()) {
                files.put(entry.getFileName().toString(), Files.readString(entry));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Unmounts a credential: its directory disappears. */
    public void remove(String name) {
        deleteTree(root.resolve(name));
    }

    private static void deleteTree(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
