import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.caller.MergedPolicy;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * What a callers directory costs in process (docs/benchmark.md, Callers in files): parsing each generated file (as a
 * reload of that one file does) and merging every file's entries into one policy (as each reload then does). Run from the repository root:
 * {@code mvn -q compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt &&
 * java -cp target/classes:$(cat target/cp.txt) bench/CallersMerge.java CALLERS FILES}.
 */
public class CallersMerge {

    public static void main(String[] args) throws Exception {
        int callers = Integer.parseInt(args[0]);
        int files = Integer.parseInt(args[1]);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        List<CallersFile.Entries> sources = new ArrayList<>();
        long parseNanos = 0;
        long largest = 0;
        for (int f = 0; f < files; f++) {
            StringBuilder yaml = new StringBuilder("callers:\n");
            for (int i = f * callers / files; i < (f + 1) * callers / files; i++) {
                yaml.append("  - name: svc-").append(i).append("\n    api-key-sha256: ")
                        .append(HexFormat.of().formatHex(sha256.digest(("key-" + i).getBytes())))
                        .append("\n    service-account: team-").append(f).append("/svc-").append(i)
                        .append("\n    grants:\n      - credential: adobe-admin\n        scopes: [openid]\n");
            }
            largest = Math.max(largest, yaml.length());
            long start = System.nanoTime();
            sources.add(CallersFile.entries("team-" + f + ".yaml", CallersFile.read(yaml.toString().getBytes(), Set.of())));
            parseNanos += System.nanoTime() - start;
        }
        MergedPolicy merged = null;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            long start = System.nanoTime();
            merged = MergedPolicy.of(sources);
            best = Math.min(best, System.nanoTime() - start);
        }
        System.out.printf("%d callers in %d files (largest %d KiB): parse %.0f ms per file on average, merge %.1f ms (best of 7)%n",
                merged.policy().callers().size(), files, largest / 1024, parseNanos / 1e6 / files, best / 1e6);
    }
}
