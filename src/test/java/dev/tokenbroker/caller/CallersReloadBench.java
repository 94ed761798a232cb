package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What reloading one changed file of a callers directory costs, against merging every file from scratch
 * (docs/benchmark.md, Callers in files): the first load of the directory, then one file changed and reloaded, best of
 * seven. Not part of the suite (not a *Test): {@code mvn -q -o test -Dtest=CallersReloadBench}. Prints its figures.
 */
class CallersReloadBench {

    @TempDir
    Path directory;

    @ParameterizedTest
    @CsvSource({"10000, 5", "100000, 50"})
    void reloadingOneFileCostsInProportionToThatFile(int callers, int files) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        List<Path> paths = new ArrayList<>();
        for (int f = 0; f < files; f++) {
            paths.add(Files.writeString(directory.resolve("team-%03d.yaml".formatted(f)),
                    file(sha256, f * callers / files, (f + 1) * callers / files, f, "openid")));
        }
        CallerPolicyStore store = new CallerPolicyStore(directory, new SimpleMeterRegistry());
        long start = System.nanoTime();
        store.reload();
        long firstLoad = System.nanoTime() - start;
        assertThat(store.policy().size()).isEqualTo(callers);

        Path changed = paths.get(files / 2);
        int from = files / 2 * callers / files;
        int to = (files / 2 + 1) * callers / files;
        long bestReload = Long.MAX_VALUE;
        long bestParse = Long.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            byte[] content = file(sha256, from, to, files / 2, round % 2 == 0 ? "AdobeID" : "openid").getBytes();
            Files.write(changed, content);
            start = System.nanoTime();
            store.reload();
            bestReload = Math.min(bestReload, System.nanoTime() - start);
            start = System.nanoTime();
            CallersFile.read(content, Set.of());
            bestParse = Math.min(bestParse, System.nanoTime() - start);
        }

        List<CallersFile.Entries> sources = new ArrayList<>();
        for (Path path : paths) {
            sources.add(CallersFile.entries(path.toString(), CallersFile.read(Files.readAllBytes(path), Set.of())));
        }
        long bestMerge = Long.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            start = System.nanoTime();
            MergedPolicy.of(sources);
            bestMerge = Math.min(bestMerge, System.nanoTime() - start);
        }
        System.out.printf("%d callers in %d files: first load %.0f ms; one %d-caller file changed: reload %.1f ms "
                        + "(of which parsing it %.1f ms); merging every file from scratch %.1f ms (best of 7)%n",
                callers, files, firstLoad / 1e6, to - from, bestReload / 1e6, bestParse / 1e6, bestMerge / 1e6);
    }

    private static String file(MessageDigest sha256, int from, int to, int team, String scope) {
        StringBuilder yaml = new StringBuilder("callers:\n");
        for (int i = from; i < to; i++) {
            yaml.append("  - name: svc-").append(i).append("\n    api-key-sha256: ")
                    .append(HexFormat.of().formatHex(sha256.digest(("key-" + i).getBytes())))
                    .append("\n    service-account: team-").append(team).append("/svc-").append(i)
                    .append("\n    grants:\n      - credential: adobe-admin\n        scopes: [").append(scope).append("]\n");
        }
        return yaml.toString();
    }
}
