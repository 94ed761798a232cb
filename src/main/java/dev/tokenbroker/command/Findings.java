package dev.tokenbroker.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** What one {@code check} run found, and what it looked at; printed as lines of text or as one JSON document. */
final class Findings {

    private final List<Finding> findings = new ArrayList<>();
    private OptionalInt credentials = OptionalInt.empty();
    private OptionalInt callers = OptionalInt.empty();
    private boolean grantsCompared;

    void error(Path file, int line, String message) {
        findings.add(new Finding(Finding.Severity.ERROR, file.toString(), line, message));
    }

    void error(Path file, String message) {
        error(file, 0, message);
    }

    void warning(Path file, int line, String message) {
        findings.add(new Finding(Finding.Severity.WARNING, file.toString(), line, message));
    }

    void warning(Path file, String message) {
        warning(file, 0, message);
    }

    /** A problem of the settings, before any file was read. */
    void setting(String message) {
        findings.add(new Finding(Finding.Severity.ERROR, "(settings)", 0, message));
    }

    void credentialsChecked(int count) {
        credentials = OptionalInt.of(count);
    }

    void callersChecked(int count, boolean comparedWithCredentials) {
        callers = OptionalInt.of(count);
        grantsCompared = comparedWithCredentials;
    }

    /** Adds what another run found, by line (one file's findings in file order). */
    void addByLine(Findings other) {
        other.findings.stream().sorted(Comparator.comparingInt(Finding::line)).forEach(findings::add);
    }

    /** In the order found. */
    List<Finding> all() {
        return List.copyOf(findings);
    }

    long errors() {
        return findings.stream().filter(f -> f.severity() == Finding.Severity.ERROR).count();
    }

    long warnings() {
        return findings.size() - errors();
    }

    /** One line per finding, then one that sums up. */
    void printText(PrintStream out) {
        all().forEach(f -> out.println(f.text()));
        List<String> checked = new ArrayList<>();
        credentials.ifPresent(n -> checked.add(n + (n == 1 ? " credential" : " credentials")));
        callers.ifPresent(n -> checked.add(n + (n == 1 ? " caller" : " callers")
                + (grantsCompared ? "" : " (grants not compared with credentials: none checked)")));
        out.println((checked.isEmpty() ? "nothing checked" : "checked " + String.join(", ", checked)) + ": "
                + count(errors(), "error") + ", " + count(warnings(), "warning"));
    }

    /** {@code {"findings": [{"severity", "file", "line"?, "message"}], "errors", "warnings", "credentials"?, "callers"?}}. */
    void printJson(PrintStream out) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("findings", all().stream().map(f -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("severity", f.severity().label());
            entry.put("file", f.file());
            if (f.line() > 0) {
                entry.put("line", f.line());
            }
            entry.put("message", f.message());
            return entry;
        }).toList());
        document.put("errors", errors());
        document.put("warnings", warnings());
        credentials.ifPresent(n -> document.put("credentials", n));
        callers.ifPresent(n -> document.put("callers", n));
        if (callers.isPresent()) {
            document.put("grants_compared_with_credentials", grantsCompared);
        }
        try {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // maps of strings and numbers always serialise
        }
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
