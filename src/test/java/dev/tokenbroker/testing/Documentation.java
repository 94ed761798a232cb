package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The Markdown documentation in the working tree: README.md and every page under docs/. */
public final class Documentation {

    /** The repository's front page. */
    public static final Path README = Path.of("README.md");
    /** The folder of documentation pages. */
    public static final Path DOCS = Path.of("docs");

    private Documentation() {}

    /** README.md, then every {@code docs/*.md}, sorted by name. */
    public static List<Path> pages() {
        List<Path> pages = new ArrayList<>(List.of(README));
        try (Stream<Path> docs = Files.list(DOCS)) {
            docs.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }
}
