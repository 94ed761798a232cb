package dev.tokenbroker.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A callers directory (docs/configuration.md, Grants for many teams) of generated teams' files: {@code team-1.yaml}
 * to {@code team-N.yaml}, each listing its share of the callers in order. Caller {@code i} ({@code svc-00000} ...)
 * has a static key ({@link #key}) and the ServiceAccount {@code team-N/svc-i}, and holds adobe-admin: openid.
 */
public record CallersDirectory(Path dir, int files, int callers) {

    /** The static key of caller {@code i}: 40 characters, so it authenticates. */
    public static String key(int i) {
        return "tb-many-callers-key-%05d-0a1b2c3d4e5f6".formatted(i);
    }

    /** The ServiceAccount (namespace/name) of caller {@code i}. */
    public String serviceAccount(int i) {
        return "team-" + file(i) + "/svc-%05d".formatted(i);
    }

    /** The file caller {@code i} is listed in. */
    public Path fileOf(int i) {
        return dir.resolve("team-" + file(i) + ".yaml");
    }

    /** The file of team {@code n} (1-based) as generated. */
    public String teamFile(int n) {
        int perFile = callers / files;
        StringBuilder yaml = new StringBuilder("# generated: team ").append(n).append("'s callers\ncallers:\n");
        for (int i = (n - 1) * perFile; i < n * perFile; i++) {
            yaml.append("  - name: svc-%05d\n".formatted(i))
                    .append("    api-key-sha256: ").append(Fixtures.sha256(key(i))).append('\n')
                    .append("    service-account: ").append(serviceAccount(i)).append('\n')
                    .append("    grants:\n      - credential: adobe-admin\n        scopes: [openid]\n");
        }
        return yaml.toString();
    }

    /** Writes every team's file as generated, and removes any other {@code *.yaml} file. */
    public void writeAll() throws IOException {
        try (var entries = Files.list(dir)) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().endsWith(".yaml")).toList()) {
                if (!entry.getFileName().toString().matches("team-[0-9]+\\.yaml")) {
                    Files.delete(entry);
                }
            }
        }
        for (int n = 1; n <= files; n++) {
            Path file = dir.resolve("team-" + n + ".yaml");
            String yaml = teamFile(n);
            if (!Files.exists(file) || !Files.readString(file).equals(yaml)) {
                write(file.getFileName().toString(), yaml);
            }
        }
    }

    /**
     * Replaces (or adds) a file of the directory at once, as the kubelet swaps a ConfigMap's files, so that the
     * broker never reads half of it: written beside it under a name starting with {@code .}, which it skips, then moved.
     */
    public Path write(String name, String yaml) throws IOException {
        Path next = Files.writeString(dir.resolve(".next-" + name), yaml);
        return Files.move(next, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private int file(int i) {
        return i / (callers / files) + 1;
    }
}
