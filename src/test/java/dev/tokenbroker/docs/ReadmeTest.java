package dev.tokenbroker.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.testing.Documentation;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README stays a front door: short, with the run command, its curl and the test command on the first screen. */
class ReadmeTest {

    /** What a newcomer sees without scrolling, about one screen. */
    private static final int FIRST_SCREEN_LINES = 45;
    /** The demo build: its own jar, never the product's target/token-broker.jar (pom.xml, profile demo). */
    private static final String RUN = "mvn -B -q package -DskipTests -Pdemo && java -Dquarkus.profile=demo"
            + " -jar target/token-broker-demo.jar";
    private static final String CURL = "curl -s -H 'Authorization: Bearer demo-key-not-secret-0123456789abcdef'"
            + " 'http://localhost:8080/tokens?credential=demo&scope=openid'";
    private static final String TEST = "mvn -B verify";

    @Test
    void theFirstScreenShowsTheRunCommandItsCurlAndTheTestCommand() throws IOException {
        List<String> lines = Files.readAllLines(Documentation.README);
        List<String> firstScreen = lines.subList(0, Math.min(FIRST_SCREEN_LINES, lines.size()));
        assertThat(firstScreen).as("the README's first %d lines", FIRST_SCREEN_LINES).contains(RUN, CURL, TEST);
    }

    @Test
    void theReadmeStaysShortAndLeavesTheRestToDocs() throws IOException {
        assertThat(Files.readAllLines(Documentation.README)).as("README.md lines (the rest belongs in docs/)")
                .hasSizeLessThanOrEqualTo(250);
    }
}
