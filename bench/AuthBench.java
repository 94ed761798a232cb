import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator bench/auth-bench.sh uses where wrk is not installed: {@code connections} threads send
 * GET requests with one Authorization header for {@code seconds}, then it prints requests/s and latencies.
 * Run as a single source file: {@code java bench/AuthBench.java URL AUTHORIZATION SECONDS CONNECTIONS NAME}.
 */
public class AuthBench {

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        String authorization = args[1];
        long seconds = Long.parseLong(args[2]);
        int connections = Integer.parseInt(args[3]);
        String name = args.length > 4 ? args[4] : "run";
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(url).header("Authorization", authorization).GET().build();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong failures = new AtomicLong();
        List<long[]> perThread = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            long[] latencies = new long[1_000_000];
            perThread.add(latencies);
            Thread thread = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < deadline && n < latencies.length) {
                    long start = System.nanoTime();
                    try {
                        if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                    latencies[n++] = System.nanoTime() - start;
                }
                latencies[latencies.length - 1] = n; // count, in the last slot
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        int total = 0;
        for (long[] latencies : perThread) {
            total += (int) latencies[latencies.length - 1];
        }
        long[] all = new long[total];
        int at = 0;
        for (long[] latencies : perThread) {
            int n = (int) latencies[latencies.length - 1];
            System.arraycopy(latencies, 0, all, at, n);
            at += n;
        }
        Arrays.sort(all);
        double avg = Arrays.stream(all).average().orElse(0) / 1e6;
        System.out.printf("%-24s %10.0f req/s   latency avg %.2fms p50 %.2fms p99 %.2fms   (%d failed)%n", name,
                total / (double) seconds, avg, all[total / 2] / 1e6, all[(int) (total * 0.99)] / 1e6, failures.get());
    }
}
