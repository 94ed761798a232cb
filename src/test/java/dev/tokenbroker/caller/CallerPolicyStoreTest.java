package dev.tokenbroker.caller;

import static dev.tokenbroker.caller.CallerPolicyTest.hex;
import static dev.tokenbroker.caller.CallerPolicyTest.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.token.ScopeSet;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The callers file re-read: a changed file's callers replaced one by one, never leaving a caller unfound, or the last
 * good version kept.
 */
class CallerPolicyStoreTest {

    private static final String KEY = "tb-swap-key-0a1b2c3d4e5f6a7b";

    @TempDir
    Path dir;

    @Test
    void aReloadNeverLeavesACallerUnfoundNorHalfChanged() throws Exception {
        Path file = dir.resolve("callers.yaml");
        Files.writeString(file, version("blue"));
        CallerPolicyStore store = new CallerPolicyStore(file, new SimpleMeterRegistry());
        store.reload();

        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger looks = new AtomicInteger();
        ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
        List<Thread> readers = List.of(reader(store, done, looks, torn), reader(store, done, looks, torn));
        readers.forEach(Thread::start);
        for (int i = 0; i < 200; i++) {
            Files.writeString(file, version(i % 2 == 0 ? "green" : "blue"));
            store.reload();
        }
        done.set(true);
        for (Thread reader : readers) {
            reader.join();
        }

        assertThat(torn).as("look-ups that found no caller, or a caller with another version's grants").isEmpty();
        assertThat(looks.get()).isPositive();
        assertThat(store.problem()).isEmpty();
        assertThat(store.policy().byKeyDigest(sha256(KEY)).map(Caller::name)).hasValue("blue");
    }

    @Test
    void aBrokenFileKeepsTheLastGoodPolicyAndAFixedOneReplacesIt() throws Exception {
        Path file = dir.resolve("callers.yaml");
        Files.writeString(file, version("blue"));
        CallerPolicyStore store = new CallerPolicyStore(file, new SimpleMeterRegistry());
        assertThat(store.problem()).hasValueSatisfying(p -> assertThat(p).contains("not loaded yet"));
        store.reload();

        Files.writeString(file, "callers: [\n");
        store.reload();
        assertThat(store.problem()).hasValueSatisfying(p -> assertThat(p)
                .contains("not valid callers YAML").endsWith("keeping the last good policy"));
        assertThat(store.policy().byServiceAccount("payments/billing").map(Caller::name)).hasValue("blue");

        Files.delete(file);
        store.reload();
        assertThat(store.problem()).hasValueSatisfying(p -> assertThat(p).contains("cannot be read (NoSuchFileException)"));

        Files.writeString(file, version("green"));
        store.reload();
        assertThat(store.problem()).isEmpty();
        assertThat(store.policy().byServiceAccount("payments/billing").map(Caller::name)).hasValue("green");
    }

    @Test
    void aFileNamingAClusterNotConfiguredIsReportedAndTheLastGoodPolicyKept() throws Exception {
        Path file = dir.resolve("callers.yaml");
        Files.writeString(file, version("blue") + "  - name: away\n    service-account: payments/billing\n    cluster: east\n");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CallerPolicyStore store = new CallerPolicyStore(file, java.util.Set.of("east"), meters);
        store.reload();
        assertThat(store.problem()).isEmpty();
        assertThat(store.policy().byServiceAccount(java.util.Optional.of("east"), "payments/billing").map(Caller::name))
                .hasValue("away");

        Files.writeString(file, version("green") + "  - name: away\n    service-account: payments/billing\n    cluster: west\n");
        store.reload();
        assertThat(store.problem()).hasValue("callers[1].cluster names west, which is not a cluster of"
                + " tokenbroker.kubernetes.clusters: its tokens are never accepted (line 6); keeping the last good policy");
        assertThat(store.policy().byServiceAccount("payments/billing").map(Caller::name)).hasValue("blue");
        assertThat(meters.counter("tokenbroker.callers.reloads", "result", "invalid").count()).isEqualTo(1);
    }

    @Test
    void untilAPolicyIsReadTheStoreSaysItIsNotLoadedAndTheSourceInvalid() throws Exception {
        Path file = dir.resolve("callers.yaml");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CallerPolicyStore store = new CallerPolicyStore(file, java.util.Set.of(), true, meters);
        store.reload();
        assertThat(store.loaded()).isFalse();
        assertThat(store.problem()).hasValue("cannot be read (NoSuchFileException); not ready, denying every caller");
        assertThat(meters.get("tokenbroker.config.valid").tag("source", "callers").gauge().value()).isZero();

        Files.writeString(file, version("blue"));
        store.reload();
        assertThat(store.loaded()).isTrue();
        assertThat(meters.get("tokenbroker.config.valid").tag("source", "callers").gauge().value()).isEqualTo(1);

        Files.writeString(file, "callers: [\n");
        store.reload();
        assertThat(store.loaded()).as("the last good policy stays loaded").isTrue();
        assertThat(meters.get("tokenbroker.config.valid").tag("source", "callers").gauge().value()).isZero();
    }

    @Test
    void serviceAccountCallersOfTheDefaultClusterAreCountedWhenItHasNoIssuer() throws Exception {
        Path file = dir.resolve("callers.yaml");
        Files.writeString(file, version("blue") + "  - name: away\n    service-account: payments/billing\n    cluster: east\n");
        CallerPolicyStore untrusted = new CallerPolicyStore(file, java.util.Set.of("east"), false, new SimpleMeterRegistry());
        untrusted.reload();
        assertThat(untrusted.untrustedServiceAccounts()).as("blue names payments/billing of the default cluster").isEqualTo(1);

        CallerPolicyStore trusted = new CallerPolicyStore(file, java.util.Set.of("east"), true, new SimpleMeterRegistry());
        trusted.reload();
        assertThat(trusted.untrustedServiceAccounts()).isZero();
    }

    @Test
    void aFileBackUnchangedAfterAnUnreadableSpellIsReadAgain() throws Exception {
        Path file = dir.resolve("callers.yaml");
        Files.writeString(file, version("blue"));
        CallerPolicyStore store = new CallerPolicyStore(file, new SimpleMeterRegistry());
        store.reload();
        Path aside = Files.move(file, dir.resolve("aside.yaml"));
        store.reload();
        assertThat(store.problem()).isPresent();

        Files.move(aside, file);
        store.reload();
        assertThat(store.problem()).isEmpty();
    }

    @Test
    void aProjectedVolumeOfSeveralConfigMapsIsReadThroughItsLinksAndDotEntriesAreSkipped() throws Exception {
        // As the kubelet lays out a projected volume: files in a timestamped folder, ..data linking to it, and each
        // key a link through ..data.
        Path version = Files.createDirectories(dir.resolve("..2026_12_04_12_00_00.1"));
        Files.writeString(version.resolve("team-a.yaml"), version("blue"));
        Files.writeString(version.resolve("team-b.yaml"), """
                callers:
                  - name: everyone-in-reports
                    service-account: reports/*
                    grants: [{credential: adobe-admin, scopes: [openid]}]
                """);
        Files.createSymbolicLink(dir.resolve("..data"), version.getFileName());
        Files.createSymbolicLink(dir.resolve("team-a.yaml"), Path.of("..data/team-a.yaml"));
        Files.createSymbolicLink(dir.resolve("team-b.yaml"), Path.of("..data/team-b.yaml"));
        CallerPolicyStore store = new CallerPolicyStore(dir, new SimpleMeterRegistry());
        store.reload();

        assertThat(store.problem()).isEmpty();
        assertThat(store.policy().callers()).hasSize(2);
        assertThat(store.policy().byServiceAccount("payments/billing").map(Caller::name)).hasValue("blue");
        assertThat(store.policy().byServiceAccount("reports/anyone").map(Caller::name)).hasValue("everyone-in-reports");
        assertThat(store.policy().byServiceAccount("payments/anyone")).isEmpty();
    }

    private static Thread reader(CallerPolicyStore store, AtomicBoolean done, AtomicInteger looks,
            ConcurrentLinkedQueue<String> torn) {
        return new Thread(() -> {
            while (!done.get()) {
                CallerPolicy policy = store.policy();
                for (java.util.Optional<Caller> found : List.of(policy.byKeyDigest(sha256(KEY)),
                        policy.byServiceAccount("payments/billing"))) {
                    if (found.isEmpty() || !found.get().permits("adobe-admin", ScopeSet.parse(found.get().name()))) {
                        torn.add(found.map(Caller::name).orElse("none"));
                    }
                    looks.incrementAndGet();
                }
            }
        });
    }

    /**
     * A policy in which one caller, named {@code name}, holds both the key and the ServiceAccount, and is granted the
     * scope of its name alone.
     */
    private static String version(String name) {
        return """
                callers:
                  - name: %s
                    api-key-sha256: %s
                    service-account: payments/billing
                    grants: [{credential: adobe-admin, scopes: [%s]}]
                """.formatted(name, hex(KEY), name);
    }
}
