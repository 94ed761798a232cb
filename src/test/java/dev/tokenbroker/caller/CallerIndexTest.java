package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The callers of several files changed one file at a time (docs/configuration.md, Grants for many teams): whatever the
 * order of the changes, the index holds what the files, merged from scratch in name order, would give.
 */
class CallerIndexTest {

    private static final int FILES = 5;

    @Test
    void aLaterFilesRepeatIsRefusedWholeAndTakesItsPlaceOnceTheEarlierEntryGoes() {
        CallerIndex index = new CallerIndex();
        Caller early = caller("early", "k1", "payments/billing");
        Caller late = caller("late", "k1", "payments/other");
        index.apply("b.yaml", entries("b.yaml", late));
        assertThat(found(index, "k1")).hasValue("late");

        index.apply("a.yaml", entries("a.yaml", early));
        assertThat(found(index, "k1")).hasValue("early");
        assertThat(new CallerPolicy(index, Bounds.NONE, GrantedAccounts.NONE).byServiceAccount("payments/other"))
                .as("a refused entry is refused whole, its other ServiceAccount too").isEmpty();
        assertThat(index.refused()).singleElement().satisfies(refused -> assertThat(refused.describe())
                .isEqualTo("caller late at b.yaml:1 is refused: its api-key-sha256 is listed at a.yaml:1 already"));

        index.apply("a.yaml", CallersFile.Entries.NONE);
        assertThat(found(index, "k1")).hasValue("late");
        assertThat(index.refused()).isEmpty();
        assertThat(index.size()).isOne();
    }

    @Test
    void anEntryChangedInPlaceIsFoundAtEveryStepAndAnEqualOneIsNotLost() {
        CallerIndex index = new CallerIndex();
        index.apply("a.yaml", entries("a.yaml", caller("svc", "k1", "payments/billing")));
        // The same caller again, as a file whose other lines changed gives it: an equal record, not the same object.
        index.apply("a.yaml", entries("a.yaml", caller("svc", "k1", "payments/billing")));
        assertThat(found(index, "k1")).hasValue("svc");
        assertThat(new CallerPolicy(index, Bounds.NONE, GrantedAccounts.NONE).byServiceAccount("payments/billing"))
                .isPresent();
    }

    @Test
    void changesInAnyOrderGiveWhatMergingEveryFileFromScratchGives() {
        Random random = new Random(20261204L);
        CallerIndex index = new CallerIndex();
        Map<String, CallersFile.Entries> files = new LinkedHashMap<>();
        for (int f = 0; f < FILES; f++) {
            files.put(file(f), CallersFile.Entries.NONE);
        }
        for (int change = 0; change < 400; change++) {
            String file = file(random.nextInt(FILES));
            CallersFile.Entries now = random.nextInt(8) == 0 ? CallersFile.Entries.NONE : randomFile(file, random);
            files.put(file, now);
            index.apply(file, now);

            MergedPolicy fromScratch = MergedPolicy.of(new ArrayList<>(files.values()));
            CallerPolicy live = new CallerPolicy(index, index.bounds(), GrantedAccounts.NONE);
            assertThat(live.callers()).as("change %d", change).isEqualTo(fromScratch.policy().callers());
            assertThat(index.size()).isEqualTo(fromScratch.policy().size());
            assertThat(index.refused()).map(MergedPolicy.Refused::describe)
                    .containsExactlyInAnyOrderElementsOf(fromScratch.refused().stream().map(MergedPolicy.Refused::describe).toList());
            for (int k = 0; k < 12; k++) {
                assertThat(live.byKeyDigest(digest("k" + k))).as("change %d, key k%d", change, k)
                        .isEqualTo(fromScratch.policy().byKeyDigest(digest("k" + k)));
                assertThat(live.byServiceAccount("ns" + k % 3 + "/sa" + k)).as("change %d, account %d", change, k)
                        .isEqualTo(fromScratch.policy().byServiceAccount("ns" + k % 3 + "/sa" + k));
            }
        }
    }

    /** A file of up to six callers whose names, keys and ServiceAccounts come from small pools, so files clash. */
    private static CallersFile.Entries randomFile(String file, Random random) {
        Set<String> names = new HashSet<>();
        Set<String> keys = new HashSet<>();
        Set<String> accounts = new HashSet<>();
        List<CallerEntry> entries = new ArrayList<>();
        for (int i = 0, n = random.nextInt(7); i < n; i++) {
            String name = "svc-" + random.nextInt(10);
            Optional<String> key = random.nextBoolean() ? Optional.of("k" + random.nextInt(12)) : Optional.empty();
            int a = random.nextInt(12);
            Optional<String> account = random.nextInt(3) == 0 ? Optional.empty()
                    : Optional.of(random.nextInt(4) == 0 ? "ns" + a % 3 + "/*" : "ns" + a % 3 + "/sa" + a);
            if (!names.add(name) || key.filter(k -> !keys.add(k)).isPresent()
                    || account.filter(acc -> !accounts.add(acc)).isPresent()) {
                continue; // a file's own check refuses repeats within it
            }
            entries.add(new CallerEntry(file, 3 + 4 * i, new Caller(name + "@" + file, key.map(CallerIndexTest::hex),
                    account, List.of(), Set.of())));
        }
        // names are per file (svc-3@a.yaml), so that only some files' names clash: repeat one across files sometimes
        if (!entries.isEmpty() && random.nextInt(3) == 0) {
            CallerEntry first = entries.get(0);
            Caller c = first.caller();
            entries.set(0, new CallerEntry(file, first.line(), new Caller(c.name().replaceAll("@.*", ""),
                    c.apiKeySha256(), c.serviceAccount(), List.of(), Set.of())));
        }
        return new CallersFile.Entries(entries, Bounds.NONE);
    }

    private static String file(int f) {
        return "team-" + f + ".yaml";
    }

    private static CallersFile.Entries entries(String file, Caller... callers) {
        List<CallerEntry> entries = new ArrayList<>();
        for (int i = 0; i < callers.length; i++) {
            entries.add(new CallerEntry(file, i + 1, callers[i]));
        }
        return new CallersFile.Entries(entries, Bounds.NONE);
    }

    private static Caller caller(String name, String key, String account) {
        return new Caller(name, Optional.of(hex(key)), Optional.of(account), List.of(), Set.of());
    }

    private static Optional<String> found(CallerIndex index, String key) {
        return new CallerPolicy(index, Bounds.NONE, GrantedAccounts.NONE).byKeyDigest(digest(key)).map(Caller::name);
    }

    private static String hex(String key) {
        return HexFormat.of().formatHex(digest(key));
    }

    private static byte[] digest(String key) {
        return CallerPolicyTest.sha256(key);
    }
}
