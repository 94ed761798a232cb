package dev.tokenbroker.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code hash-key} in this JVM: the line it prints, the keys it refuses, and that the key never shows. */
class HashKeyCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void printsTheLineTheCallersFileListsDroppingTheNewlineOfEcho() {
        assertThat(hashKey(Fixtures.BILLING_KEY + "\n")).isZero();
        assertThat(stdout()).isEqualTo("api-key-sha256: " + Fixtures.sha256(Fixtures.BILLING_KEY) + "\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void refusesKeysTheBrokerNeverAcceptsWithoutShowingThem() {
        for (String key : List.of("short-key-p8e-TESTSECRET", "p8e-TESTSECRET with a space 0123456789",
                "p8e-TESTSECRET-first-line-0123456789\nsecond-line", "", "p8e-TESTSECRET-" + "x".repeat(9000))) {
            out.reset();
            err.reset();
            assertThat(hashKey(key)).as(key).isEqualTo(1);
            assertThat(stdout()).as(key).isEmpty();
            assertThat(stderr()).as(key).startsWith("token-broker: hash-key: ").doesNotContain("p8e-TESTSECRET");
        }
    }

    @Test
    void aShortKeyIsRefusedByTheBrokersRule() {
        String key = "a".repeat(31);
        assertThat(hashKey(key)).isEqualTo(1);
        assertThat(stderr()).contains("shorter than 32 characters");
        out.reset();
        assertThat(hashKey("a".repeat(32))).isZero();
        assertThat(stdout()).isEqualTo("api-key-sha256: " + Fixtures.sha256("a".repeat(32)) + "\n");
    }

    @Test
    void argumentsAreAUsageError() {
        assertThat(HashKeyCommand.run(List.of(Fixtures.BILLING_KEY), new ByteArrayInputStream(new byte[0]), print(out), print(err)))
                .isEqualTo(2);
        assertThat(stderr()).startsWith("token-broker: hash-key takes no arguments").doesNotContain(Fixtures.BILLING_KEY);
    }

    private int hashKey(String stdin) {
        return HashKeyCommand.run(List.of(), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), print(out), print(err));
    }

    private static PrintStream print(ByteArrayOutputStream stream) {
        return new PrintStream(stream, true, StandardCharsets.UTF_8);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
