package dev.tokenbroker.metrics;

import static dev.tokenbroker.testing.Fixtures.OPS_KEY;
import static dev.tokenbroker.testing.Fixtures.STRANGER_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tokenbroker.testing.Documentation;
import dev.tokenbroker.testing.Fixtures;
import dev.tokenbroker.testing.Ims;
import dev.tokenbroker.testing.ImsResource;
import dev.tokenbroker.testing.RedisBrokerTest;
import dev.tokenbroker.testing.RedisResource;
import dev.tokenbroker.upstream.UpstreamTokenClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Scrapes the running broker's {@code /q/metrics} on the management port, after real requests, and holds it
 * against what operators are given: every metric the alerts, the dashboard, the README and docs/ name is exported,
 * every exported {@code tokenbroker_*} metric has help text and is in the catalogue of docs/operations.md, and the
 * per-credential meters follow
 * the cache and the credential files.
 */
@QuarkusTest
@WithTestResource(RedisResource.class)
@WithTestResource(ImsResource.class)
class MetricsTest extends RedisBrokerTest {

    private static final Pattern METRIC_NAME = Pattern.compile("tokenbroker_[a-z0-9_]*[a-z0-9]");
    private static final Path RULES = Path.of("deploy/monitoring/token-broker.rules.yaml");
    private static final Path DASHBOARD = Path.of("deploy/monitoring/token-broker.dashboard.json");
    /** The metrics catalogue operators read. */
    private static final Path CATALOGUE = Path.of("docs/operations.md");

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Test
    void everyMetricTheAlertsDashboardAndDocumentationNameIsExported() throws IOException {
        exerciseSuccessAndErrors();
        Set<String> exported = scrape().names();
        Map<Path, Set<String>> named = Map.of(
                RULES, metricNames(new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile())),
                DASHBOARD, metricNames(new ObjectMapper().readTree(DASHBOARD.toFile())),
                CATALOGUE, metricNames(Files.readString(CATALOGUE)));
        named.forEach((file, names) -> {
            assertThat(names).as("metrics named in " + file).isNotEmpty();
            assertThat(exported).as("exported metrics, against those named in " + file).containsAll(names);
        });
        assertThat(named.get(RULES)).as("metrics the alerts use")
                .contains("tokenbroker_upstream_calls_total", "tokenbroker_upstream_circuit_state",
                        "tokenbroker_cache_soonest_expiry_seconds", "tokenbroker_refreshes_total",
                        "tokenbroker_redis_errors_total", "tokenbroker_requests_total", "tokenbroker_credential_valid");
        for (Path page : Documentation.pages()) {
            assertThat(exported).as("exported metrics, against those named in " + page)
                    .containsAll(metricNames(Files.readString(page)));
        }
    }

    @Test
    void everyExportedMetricHasHelpTextAndIsInTheCatalogue() throws IOException {
        exerciseSuccessAndErrors();
        Scrape scrape = scrape();
        String catalogue = Files.readString(CATALOGUE);
        Set<String> families = new TreeSet<>(scrape.types().keySet());
        families.removeIf(family -> !family.startsWith("tokenbroker_"));
        assertThat(families).as("tokenbroker families").hasSizeGreaterThanOrEqualTo(MeterCatalogue.ENTRIES.size());
        for (String family : families) {
            assertThat(scrape.help().get(family)).as("help of " + family).isNotBlank();
            // A timer's _max gauge comes with its histogram, which the catalogue lists.
            assertThat(catalogue).as(CATALOGUE + " names " + family).contains(family.replaceFirst("_max$", ""));
        }
    }

    @Test
    void everyFamilyTheBrokerExportsHasHelpTextIncludingTheLibraries() {
        exerciseSuccessAndErrors();
        Scrape scrape = scrape();
        assertThat(scrape.types().keySet()).as("families of SmallRye Fault Tolerance and of Quarkus")
                .anyMatch(family -> family.startsWith("ft_")).anyMatch(family -> family.startsWith("http_server_"));
        assertThat(scrape.types().keySet()).allSatisfy(family ->
                assertThat(scrape.help().get(family)).as("# HELP of " + family).isNotBlank());
        assertThat(scrape.help()).allSatisfy((family, help) -> assertThat(help).as("# HELP of " + family).isNotBlank());
    }

    @Test
    void latencyIsExportedAsHistograms() {
        exerciseSuccessAndErrors();
        Scrape scrape = scrape();
        assertThat(scrape.types()).containsEntry("tokenbroker_request_duration_seconds", "histogram")
                .containsEntry("tokenbroker_upstream_duration_seconds", "histogram");
        assertThat(scrape.samples()).filteredOn(s -> s.name().equals("tokenbroker_upstream_duration_seconds_bucket")
                        && s.labels().get("credential").equals(Fixtures.CREDENTIAL))
                .as("upstream latency buckets").hasSizeGreaterThan(10);
    }

    @Test
    void countersThatAlertsWatchExistBeforeTheirFirstEvent() {
        // Per-credential meters are registered from a worker a moment after start (CredentialMeters).
        await().until(() -> scrape().value("tokenbroker_mint_budget_exhausted_total", Map.of("credential", Fixtures.CREDENTIAL)).isPresent());
        Scrape before = scrape();
        for (String result : UpstreamTokenClient.RESULTS) {
            assertThat(before.value("tokenbroker_upstream_calls_total", Map.of("credential", Fixtures.CREDENTIAL, "result", result)))
                    .as("upstream calls with result " + result).isPresent();
        }
        for (String result : new String[] {"success", "failure"}) {
            assertThat(before.value("tokenbroker_refreshes_total", Map.of("result", result))).as("refreshes " + result).isPresent();
        }
        for (String operation : new String[] {"get", "put", "drop"}) {
            assertThat(before.value("tokenbroker_redis_errors_total", Map.of("operation", operation))).as("redis " + operation).isPresent();
        }

        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.invalidClient()));
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(502);
        Map<String, String> rejected = Map.of("credential", Fixtures.CREDENTIAL, "result", "invalid_client");
        assertThat(scrape().value("tokenbroker_upstream_calls_total", rejected).orElseThrow())
                .isEqualTo(before.value("tokenbroker_upstream_calls_total", rejected).orElseThrow() + 1);
    }

    @Test
    void soonestExpiryFollowsTheInProcessCache() {
        assertThat(soonestExpiry(scrape())).as("nothing cached yet").isNaN();

        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(1800)));
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "openid").when().get("/tokens").then().statusCode(200);
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.token(86399)));
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "AdobeID").when().get("/tokens").then().statusCode(200);
        assertThat(soonestExpiry(scrape())).as("the 1800 s token, not the 86399 s one").isBetween(1700.0, 1800.0);

        localCache.clear();
        assertThat(soonestExpiry(scrape())).as("cache emptied").isNaN();
    }

    @Test
    void credentialValidityFollowsItsFiles() {
        Map<String, String> credential = Map.of("credential", Fixtures.CREDENTIAL);
        await().untilAsserted(() -> assertThat(scrape().value("tokenbroker_credential_valid", credential)).contains(1.0));
        secrets.update(Fixtures.CREDENTIAL, "client_id", null);
        await().until(() -> scrape().value("tokenbroker_credential_valid", credential).orElseThrow() == 0.0);
        assertThat(scrape().value("tokenbroker_credentials_invalid", Map.of())).contains(1.0);
    }

    /**
     * A refusal of a loaded credential counts under its real name, so a dashboard shows which credential callers are
     * refused for; a name that is not loaded stays {@code unknown}, so that probing cannot grow the tag's values.
     */
    @Test
    void aRefusalCarriesTheCredentialLabelWhenTheCredentialIsLoaded() {
        Map<String, String> loaded = Map.of("credential", Fixtures.CREDENTIAL, "caller", "stranger", "outcome", "forbidden",
                "tier", "none");
        Map<String, String> unknown = Map.of("credential", "unknown", "caller", "stranger", "outcome", "forbidden",
                "tier", "none");
        Scrape before = scrape();
        as(STRANGER_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(403);
        as(STRANGER_KEY).queryParam("credential", "no-such-credential").when().get("/tokens").then().statusCode(403);
        as(STRANGER_KEY).queryParam("credential", "another-made-up-one").when().get("/tokens").then().statusCode(403);
        Scrape after = scrape();
        assertThat(after.value("tokenbroker_requests_total", loaded).orElseThrow())
                .isEqualTo(before.value("tokenbroker_requests_total", loaded).orElse(0.0) + 1);
        assertThat(after.value("tokenbroker_requests_total", unknown).orElseThrow())
                .isEqualTo(before.value("tokenbroker_requests_total", unknown).orElse(0.0) + 2);
        assertThat(after.value("tokenbroker_requests_total", Map.of("credential", "no-such-credential", "caller", "stranger",
                "outcome", "forbidden", "tier", "none"))).isEmpty();
    }

    /** A success, a 401, a 403 and a 502 (the identity provider refusing the client). */
    private void exerciseSuccessAndErrors() {
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(200);
        given().queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(401);
        as(STRANGER_KEY).queryParam("credential", Fixtures.CREDENTIAL).when().get("/tokens").then().statusCode(403);
        ims.resetAll();
        ims.stubFor(Ims.tokenRequest().willReturn(Ims.invalidClient()));
        as(OPS_KEY).queryParam("credential", Fixtures.CREDENTIAL).queryParam("scope", "openid").when().get("/tokens")
                .then().statusCode(502);
    }

    private double soonestExpiry(Scrape scrape) {
        return scrape.value("tokenbroker_cache_soonest_expiry_seconds", Map.of("credential", Fixtures.CREDENTIAL)).orElseThrow();
    }

    private Scrape scrape() {
        return Scrape.parse(given().when().get(metrics).then().statusCode(200).extract().asString());
    }

    /** Metric names in every string of a parsed file: expressions, template queries, descriptions. */
    private static Set<String> metricNames(JsonNode tree) {
        Set<String> names = new TreeSet<>();
        walk(tree, text -> names.addAll(metricNames(text)));
        return names;
    }

    private static void walk(JsonNode node, Consumer<String> text) {
        if (node.isTextual()) {
            text.accept(node.asText());
        }
        node.forEach(child -> walk(child, text));
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC_NAME.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
