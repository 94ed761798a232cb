package dev.tokenbroker.grant;

import static org.awaitility.Awaitility.await;

import dev.tokenbroker.caller.CallerPolicyStore;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.KubernetesApi;
import dev.tokenbroker.testing.KubernetesApiResource;
import dev.tokenbroker.testing.TestDependency;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The cost of 10,000 TokenGrants (docs/benchmark.md): time to the first sync, time to review them all again when the
 * bounds change, and the heap they hold, against fabric8's mock API server. Not part of the suite (not a *Test):
 * {@code mvn -B -q test -Dtest=TokenGrantsBench}. Prints its figures.
 */
@QuarkusTest
@WithTestResource(ImsResource.class)
@WithTestResource(value = KubernetesApiResource.class, initArgs = @ResourceArg(name = "tokenGrants", value = "10000"))
class TokenGrantsBench {

    static final int OBJECTS = 10_000;

    @TestDependency
    KubernetesApi api;

    @TestDependency
    Path callersFile;

    @Inject
    TokenGrants grants;

    @Inject
    TokenGrantWatcher watcher;

    @Inject
    CallerPolicyStore callers;

    @Test
    void tenThousandTokenGrants() throws Exception {
        await().atMost(Duration.ofMinutes(5)).until(() -> watcher.firstSync().isPresent() && grants.size() == OBJECTS);
        long allReviewed = watcher.sinceStart().toMillis();
        long firstList = watcher.firstSync().orElseThrow().toMillis();

        long began = System.nanoTime();
        Files.writeString(callersFile, Fixtures.callersYaml() + """
                bounds:
                  - namespaces: ["team-*"]
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                """);
        await().atMost(Duration.ofMinutes(5)).until(() -> callers.policy().granted().size() == OBJECTS);
        long accepted = (System.nanoTime() - began) / 1_000_000;
        long withGrants = usedHeapAfterGc();

        api.client().resources(TokenGrant.class).inAnyNamespace().delete();
        await().atMost(Duration.ofMinutes(5)).until(() -> grants.size() == 0 && callers.policy().granted().size() == 0);
        long without = usedHeapAfterGc();

        System.out.printf("tokengrants-bench objects=%d first_list_ms=%d all_reviewed_ms=%d accepted_after_bounds_ms=%d"
                + " heap_held_mb=%.1f bytes_per_object=%d%n", OBJECTS, firstList, allReviewed, accepted, (withGrants - without) / 1048576.0,
                (withGrants - without) / OBJECTS);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200); // lets the collector finish; a measurement, not a wait for a condition
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
