package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A three-node Redis Cluster of local {@code redis-server} processes, slots split evenly, no replicas. */
public final class RedisCluster {

    private final List<RedisProcess> nodes = new ArrayList<>();

    public void start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("redis-cluster");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i < 3; i++) {
            int port = RedisProcess.freeClusterPort();
            RedisProcess node = new RedisProcess(port, List.of("--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "2000",
                    "--dir", dir.toString()));
            node.start();
            nodes.add(node);
        }
        int perNode = 16384 / 3;
        for (int i = 0; i < 3; i++) {
            int from = i * perNode;
            int to = i == 2 ? 16383 : from + perNode - 1;
            List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
            for (int slot = from; slot <= to; slot++) {
                args.add(Integer.toString(slot));
            }
            String reply = nodes.get(i).command(args.toArray(String[]::new));
            if (!reply.equals("+OK")) {
                throw new IllegalStateException("ADDSLOTS: " + reply);
            }
        }
        for (int i = 1; i < 3; i++) {
            nodes.get(0).command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(nodes.get(i).port()));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .allMatch(n -> n.command("CLUSTER", "INFO").contains("cluster_state:ok")));
    }

    /** The value for {@code quarkus.redis.hosts}: every node. */
    public String hosts() {
        return nodes.stream().map(RedisProcess::uri).collect(Collectors.joining(","));
    }

    public void stop() {
        nodes.forEach(RedisProcess::stop);
    }
}
