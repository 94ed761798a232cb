package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's projected ServiceAccount token as the kubelet writes a {@code serviceAccountToken} volume source: a file
 * {@code token} reached through a {@code ..data} symlink that each renewal swaps in one atomic rename. Tokens are made
 * by a {@link Cluster} for the broker's own ServiceAccount ({@link #SERVICE_ACCOUNT}).
 */
public final class ProjectedToken {

    /** The broker's own ServiceAccount, namespace/name: the subject the provider registers. */
    public static final String SERVICE_ACCOUNT = "token-broker/token-broker";
    /** Its {@code sub}, as Kubernetes writes it. */
    public static final String SUBJECT = "system:serviceaccount:token-broker:token-broker";

    private static final AtomicInteger VERSION = new AtomicInteger();
    private final Path dir;
    private final Cluster cluster;

    private ProjectedToken(Path dir, Cluster cluster) {
        this.dir = dir;
        this.cluster = cluster;
    }

    /** A volume in a new temporary directory, holding no token yet. */
    public static ProjectedToken in(Cluster cluster) {
        try {
            return new ProjectedToken(Files.createTempDirectory("token-broker-federated"), cluster);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A volume whose tokens come from a cluster of its own, its JWKS in a file nobody reads (for offline tests). */
    public static ProjectedToken offline() {
        try {
            Path jwks = Files.createTempFile("token-broker-cluster", ".json");
            return in(new Cluster(Cluster.fileHost(jwks)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where {@code federated_token_file} points. */
    public Path file() {
        return dir.resolve("token");
    }

    /** A token as the kubelet requests it: for this audience, valid for an hour from now. */
    public String issue(String audience) {
        return cluster.token(SERVICE_ACCOUNT).audience(audience).sign();
    }

    /** A token of this audience that expired a minute ago (issued an hour and a minute ago). */
    public String expired(String audience) {
        Instant issued = Instant.now().minus(Duration.ofMinutes(61));
        return cluster.token(SERVICE_ACCOUNT).audience(audience).issuedAt(issued).notBefore(issued)
                .expiresAt(issued.plus(Duration.ofHours(1))).sign();
    }

    /** Renews the file with this content, as the kubelet does: a new folder, then one atomic swap of {@code ..data}. */
    public synchronized String write(String content) {
        try {
            Path version = Files.createDirectory(dir.resolve("..2026_12_04_00_00_00." + VERSION.incrementAndGet()));
            Files.writeString(version.resolve("token"), content);
            Path data = dir.resolve("..data");
            Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
            Path staged = dir.resolve("..data_tmp");
            Files.deleteIfExists(staged);
            Files.createSymbolicLink(staged, version.getFileName());
            Files.move(staged, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (!Files.isSymbolicLink(file())) {
                Files.createSymbolicLink(file(), Path.of("..data", "token"));
            }
            if (previous != null) {
                Files.delete(previous.resolve("token"));
                Files.delete(previous);
            }
            return content;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the token, as an unmounted volume would leave the path. */
    public void remove() {
        try {
            Files.deleteIfExists(file());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
