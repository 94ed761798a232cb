package dev.tokenbroker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which {@code TOKENBROKER_*} environment variables name a setting (docs/configuration.md, Environment variables). */
class EnvironmentNamesTest {

    @Test
    void variablesOfSettingsAndOfTheirMapKeysAreKnown() {
        assertThat(EnvironmentNames.unknown(Map.of(
                "TOKENBROKER_TOKENS_MIN_TTL", "10s",
                "TOKENBROKER_CREDENTIALS_DIR", "/x",
                "TOKENBROKER_CALLERS_FILE", "/x",
                "TOKENBROKER_CACHE_ENCRYPTION_KEY", "k",
                "TOKENBROKER_ALLOW_INSECURE_TOKEN_URL", "true",
                "TOKENBROKER_KUBERNETES_CLUSTERS_EAST_ISSUER", "https://east",
                "TOKENBROKER_KUBERNETES_CLUSTERS__EU_WEST__ISSUER", "https://eu",
                "TOKENBROKER_UPSTREAM_ALLOWED_HOSTS", "ims-na1.adobelogin.com",
                "PATH", "/bin"))).isEmpty();
    }

    @Test
    void aMisspeltVariableIsNamed() {
        assertThat(EnvironmentNames.unknown(Map.of(
                "TOKENBROKER_TOKENS_MIN_TTLL", "10s",
                "TOKENBROKER_CREDENTIAL_DIR", "/x",
                "TOKENBROKER_KUBERNETES_CLUSTERS_EAST_ISUER", "https://east",
                "TOKENBROKER_TOKENS_MIN_TTL", "10s")))
                .containsExactly("TOKENBROKER_CREDENTIAL_DIR", "TOKENBROKER_KUBERNETES_CLUSTERS_EAST_ISUER",
                        "TOKENBROKER_TOKENS_MIN_TTLL");
    }

    @Test
    void theVariablesKubernetesAddsForAServiceNamedTokenbrokerAreNoMistake() {
        assertThat(EnvironmentNames.unknown(Map.of(
                "TOKENBROKER_SERVICE_HOST", "10.96.0.12",
                "TOKENBROKER_SERVICE_PORT", "8080",
                "TOKENBROKER_SERVICE_PORT_HTTP", "8080",
                "TOKENBROKER_PORT", "tcp://10.96.0.12:8080",
                "TOKENBROKER_PORT_8080_TCP", "tcp://10.96.0.12:8080",
                "TOKENBROKER_PORT_8080_TCP_ADDR", "10.96.0.12",
                "TOKENBROKER_METRICS_SERVICE_HOST", "10.96.0.13",
                "TOKENBROKER_METRICS_PORT_9000_TCP_PROTO", "tcp"))).isEmpty();
    }

    @Test
    void onlyTheBrokersPrefixIsChecked() {
        assertThat(EnvironmentNames.unknown(Map.of("QUARKUS_HTTP_PORTT", "1", "TOKENBROKERX", "1", "tokenbroker_x", "1")))
                .isEmpty();
    }

    @Test
    void theProblemNamesTheVariableButNotItsValue() {
        assertThat(EnvironmentNames.describe(EnvironmentNames.unknown(Map.of("TOKENBROKER_CACHE_ENCRYPTION_KEYY", "s3cr3t"))))
                .contains("TOKENBROKER_CACHE_ENCRYPTION_KEYY").doesNotContain("s3cr3t");
    }
}
