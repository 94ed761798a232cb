package dev.tokenbroker.reload;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastGoodTest {

    @TempDir
    Path dir;

    private final AtomicInteger parses = new AtomicInteger();

    @Test
    void anUnusableVersionKeepsTheLastGoodOneAndIsReportedOnce() {
        LastGood<String> value = new LastGood<>("not loaded yet");
        assertThat(value.current()).isEmpty();
        assertThat(value.problem()).hasValue("not loaded yet");

        assertThat(value.reload(() -> "v1")).isEqualTo(new LastGood.Replaced<>(java.util.Optional.empty(), "v1"));
        assertThat(value.problem()).isEmpty();

        LastGood.Outcome<String> broken = value.reload(() -> { throw new LastGood.Unusable("broken"); });
        assertThat(broken).isEqualTo(new LastGood.Kept<>(java.util.Optional.of("v1"), "broken", true));
        assertThat(value.reload(() -> { throw new LastGood.Unusable("broken"); }))
                .as("the same problem again is not news").isEqualTo(new LastGood.Kept<>(java.util.Optional.of("v1"), "broken", false));
        assertThat(value.current()).hasValue("v1");
        assertThat(value.problem()).hasValue("broken");

        assertThat(value.reload(() -> "v2")).isEqualTo(new LastGood.Replaced<>(java.util.Optional.of("v1"), "v2"));
        assertThat(value.problem()).isEmpty();
    }

    @Test
    void aFileIsParsedOnlyWhenItsBytesChange() throws Exception {
        Path file = dir.resolve("value");
        Files.writeString(file, "one");
        LastGood<String> value = new LastGood<>();

        assertThat(value.reload(LastGood.file(file, 1024), this::parse)).isInstanceOf(LastGood.Replaced.class);
        assertThat(value.reload(LastGood.file(file, 1024), this::parse)).isInstanceOf(LastGood.Unchanged.class);
        Files.writeString(file, "broken");
        assertThat(value.reload(LastGood.file(file, 1024), this::parse)).isInstanceOf(LastGood.Kept.class);
        assertThat(value.reload(LastGood.file(file, 1024), this::parse))
                .as("the same broken bytes are not parsed or reported again").isInstanceOf(LastGood.Unchanged.class);
        assertThat(value.problem()).hasValue("is broken");
        assertThat(parses.get()).isEqualTo(2);

        Files.writeString(file, "two");
        value.reload(LastGood.file(file, 1024), this::parse);
        assertThat(value.current()).hasValue("two");
    }

    @Test
    void anUnreadableOrOversizedFileIsReportedByKindAndReadAgainOnceBack() throws Exception {
        Path file = dir.resolve("value");
        LastGood<String> value = new LastGood<>();
        Files.writeString(file, "one");
        value.reload(LastGood.file(file, 1024), this::parse);

        Files.delete(file);
        value.reload(LastGood.file(file, 1024), this::parse);
        assertThat(value.problem()).hasValue("cannot be read (NoSuchFileException)");

        Files.writeString(file, "one");
        assertThat(value.reload(LastGood.file(file, 1024), this::parse))
                .as("the same bytes as before the gap still clear the problem").isInstanceOf(LastGood.Replaced.class);
        assertThat(value.problem()).isEmpty();

        Files.write(file, new byte[2 * 1024 * 1024]);
        value.reload(LastGood.file(file, 1024 * 1024), this::parse);
        assertThat(value.problem()).hasValue("larger than 1 MiB");
        value.reload(LastGood.file(file, 64 * 1024), this::parse);
        assertThat(value.problem()).hasValue("larger than 64 KiB");
        assertThat(value.current()).hasValue("one");
    }

    private String parse(byte[] content) throws LastGood.Unusable {
        parses.incrementAndGet();
        String text = new String(content, StandardCharsets.UTF_8);
        if (text.startsWith("broken")) {
            throw new LastGood.Unusable("is broken");
        }
        return text;
    }
}
