package dev.tokenbroker.caller;

import dev.tokenbroker.reload.LastGood;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The files of the callers policy (docs/configuration.md, Grants for many teams): {@code tokenbroker.callers.file}
 * itself, or, when it names a directory, every {@code *.yaml} file directly in it, in name order. Names that start
 * with {@code .} are skipped and symlinks followed, as a projected volume of several ConfigMaps lays them out
 * ({@code ..data} links). Each file has its own {@link LastGood}: it is parsed only when its bytes change, and a broken
 * one keeps its last good entries while the others change. A file that goes away takes its callers with it; a
 * directory that cannot be listed keeps every file as it was.
 *
 * <p>Not thread-safe: {@link CallerPolicyStore} reloads it from one thread at a time.
 */
public final class CallersFiles {

    /** What one reload found. {@code changed}: some file's entries differ, or the files were first listed. */
    record Reload(List<Read> read, List<Path> removed, Optional<String> listingProblem, boolean changed) {}

    /** One file read: what its {@link LastGood} did. */
    record Read(Path file, LastGood.Outcome<CallersFile.Entries> outcome) {}

    private static final String SUFFIX = ".yaml";

    private final Path path;
    private final Set<String> clusters;
    private final Map<Path, LastGood<CallersFile.Entries>> files = new TreeMap<>(Comparator.comparing(Path::toString));
    /** What each file last read lists but was not loaded (docs/api.md, Audit log: caller_entry_not_loaded). */
    private final Map<Path, UnloadedCallers> unloaded = new TreeMap<>(Comparator.comparing(Path::toString));
    private boolean directory;
    private boolean listed;
    private Optional<String> listingProblem = Optional.of("not loaded yet");

    CallersFiles(Path path, Set<String> clusters) {
        this.path = path;
        this.clusters = Set.copyOf(clusters);
    }

    /** Lists the files and reads each again; only changed ones are parsed. */
    Reload reload() {
        List<Path> present;
        try {
            present = list();
        } catch (IOException e) {
            listingProblem = Optional.of("the callers directory " + LastGood.Unusable.of(e).getMessage());
            return new Reload(List.of(), List.of(), listingProblem, false);
        }
        listingProblem = Optional.empty();
        List<Path> removed = files.keySet().stream().filter(file -> !present.contains(file)).toList();
        boolean changed = !listed || !removed.isEmpty();
        listed = true;
        removed.forEach(files::remove);
        removed.forEach(unloaded::remove);
        List<Read> read = new ArrayList<>();
        for (Path file : present) {
            LastGood<CallersFile.Entries> lastGood = files.computeIfAbsent(file, f -> new LastGood<>());
            LastGood.Outcome<CallersFile.Entries> outcome = lastGood.reload(LastGood.file(file, CallersFile.MAX_FILE_BYTES),
                    content -> {
                        CallersFile.Contents contents = CallersFile.read(content, clusters);
                        unloaded.put(file, UnloadedCallers.of(file, contents));
                        return CallersFile.entries(place(file), contents);
                    });
            changed |= outcome instanceof LastGood.Replaced;
            read.add(new Read(file, outcome));
        }
        return new Reload(read, removed, Optional.empty(), changed);
    }

    /** Whether the listing and every file listed have been read well once (each has a last good version). */
    boolean allRead() {
        return listed && listingProblem.isEmpty() && files.values().stream().allMatch(file -> file.current().isPresent());
    }

    /** What the files last read list but were not loaded. */
    UnloadedCallers unloaded() {
        return UnloadedCallers.union(unloaded.values());
    }

    /** Whether the path is a directory of files (as last listed), rather than one file. */
    boolean directory() {
        return directory;
    }

    /** What is wrong now: the listing, else each file's problem, prefixed with the file in a directory. */
    List<String> problems() {
        if (listingProblem.isPresent()) {
            return List.of(listingProblem.get());
        }
        List<String> problems = new ArrayList<>();
        files.forEach((file, lastGood) -> lastGood.problem()
                .ifPresent(problem -> problems.add(directory ? file.getFileName() + ": " + problem : problem)));
        return problems;
    }

    /** How a file is named in problems, log lines and refusals: its path, as configured. */
    String place(Path file) {
        return file.toString();
    }

    private List<Path> list() throws IOException {
        if (Files.isDirectory(path)) {
            directory = true;
            return inDirectory(path);
        }
        if (directory && !Files.exists(path)) {
            throw new NoSuchFileException(path.toString()); // a directory gone for a moment keeps every file
        }
        directory = false;
        return List.of(path);
    }

    /**
     * The callers files of a directory, in name order: {@code *.yaml} directly in it, names starting with {@code .}
     * skipped, symlinks followed.
     */
    public static List<Path> inDirectory(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(CallersFiles::isCallersFile).sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    private static boolean isCallersFile(Path entry) {
        String name = entry.getFileName().toString();
        return !name.startsWith(".") && name.endsWith(SUFFIX) && Files.isRegularFile(entry); // follows symlinks
    }
}
