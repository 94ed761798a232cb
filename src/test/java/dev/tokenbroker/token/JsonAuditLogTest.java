package dev.tokenbroker.token;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.testing.BrokerTest;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.ImsResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With JSON logs on, each field of the audit line is a field of the JSON object's {@code mdc}, as written by Quarkus's
 * JSON formatter (here the file handler's, which is the console's formatter on a file the test can read).
 */
@QuarkusTest
@TestProfile(JsonAuditLogTest.JsonLogs.class)
@WithTestResource(ImsResource.class)
class JsonAuditLogTest extends BrokerTest {

    static final Path LOG = Path.of("target", "json-audit-log-test.log");

    /** JSON lines on a file, as {@code QUARKUS_LOG_CONSOLE_JSON_ENABLED=true} writes them on the console. */
    public static class JsonLogs implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.file.enabled", "true", "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.json.enabled", "true");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    CacheKeys keys;

    @Test
    void auditLineFieldsAreJsonFields() {
        String token = as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "openid")
                .when().get("/tokens").then().statusCode(200).extract().path("access_token");
        String fingerprint = keys.fingerprint(token);
        JsonNode line = await().until(() -> auditLines().stream()
                .filter(l -> fingerprint.equals(l.path("mdc").path("fingerprint").asText())).findFirst().orElse(null),
                l -> l != null);
        System.out.println("audit line as JSON: " + line);
        JsonNode mdc = line.get("mdc");
        assertThat(mdc.get("event").asText()).isEqualTo("token_request");
        assertThat(mdc.get("caller").asText()).isEqualTo("ops");
        assertThat(mdc.get("method").asText()).isEqualTo("api-key");
        assertThat(mdc.get("credential").asText()).isEqualTo(Fixtures.CREDENTIAL);
        assertThat(mdc.get("scopes").asText()).isEqualTo("openid");
        assertThat(mdc.get("outcome").asText()).isEqualTo("ok");
        assertThat(mdc.get("status").asText()).isEqualTo("200");
        assertThat(mdc.get("tier").asText()).isEqualTo("upstream");
        assertThat(mdc.has("trace_id")).isFalse(); // traces are off
        assertThat(line.get("message").asText()).isEqualTo("event=token_request caller=ops method=api-key credential="
                + Fixtures.CREDENTIAL + " scopes=\"openid\" outcome=ok status=200 tier=upstream fingerprint=" + fingerprint);
        assertThat(line.toString()).doesNotContain(token).doesNotContain(OPS_KEY);
    }

    @Test
    void refusedRequestCarriesItsOutcomeAndNoFieldsLeakIntoOtherLines() {
        as("tb-not-a-key-0123456789abcdef0123456").queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens")
                .then().statusCode(401);
        JsonNode line = await().until(() -> auditLines().stream()
                .filter(l -> "unauthenticated".equals(l.path("mdc").path("outcome").asText())).findFirst().orElse(null),
                l -> l != null);
        assertThat(line.get("mdc").get("status").asText()).isEqualTo("401");
        // who was refused and why, as fields: the key's digest prefix and the peer
        assertThat(line.get("mdc").get("reason").asText()).isEqualTo("unknown_api_key");
        assertThat(line.get("mdc").get("key_sha256_prefix").asText())
                .isEqualTo(Fixtures.sha256("tb-not-a-key-0123456789abcdef0123456").substring(0, 8));
        assertThat(line.get("mdc").get("peer").asText()).matches("(127\\.0\\.0\\.1|\\[0:0:0:0:0:0:0:1\\]):[0-9]{1,5}");
        assertThat(line.toString()).doesNotContain("tb-not-a-key-0123456789abcdef0123456")
                .doesNotContain(Fixtures.sha256("tb-not-a-key-0123456789abcdef0123456"));
        assertThat(lines()).filteredOn(l -> !"tokenbroker.audit".equals(l.path("loggerName").asText()))
                .noneMatch(l -> l.path("mdc").has("outcome") || l.path("mdc").has("peer"));
    }

    private static List<JsonNode> auditLines() {
        return lines().stream().filter(l -> "tokenbroker.audit".equals(l.path("loggerName").asText())).toList();
    }

    private static List<JsonNode> lines() {
        try {
            return Files.readAllLines(LOG).stream().filter(l -> l.startsWith("{")).map(l -> {
                try {
                    return JSON.readTree(l);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
