package dev.tokenbroker.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;

/** The packaged broker (the uber-jar {@code target/token-broker.jar}) run as its own process, on free ports. */
public final class BrokerProcess {

    private final Process process;
    private final int port;
    private final int managementPort;
    private final String scheme;
    private final HttpClient http;

    private BrokerProcess(Process process, int port, int managementPort, SSLContext trust) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.scheme = trust == null ? "http" : "https";
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        this.http = (trust == null ? client : client.sslContext(trust)).build();
    }

    /** Starts a broker with these settings (as system properties), logging to target/broker-NAME.log; waits until ready. */
    public static BrokerProcess start(String name, Map<String, String> settings) {
        return start(name, settings, apiPort -> Map.of(), null);
    }

    /**
     * Starts a broker with these settings (as system properties) and these environment variables (as a Deployment
     * sets them), logging to target/broker-NAME.log; waits until ready.
     */
    public static BrokerProcess start(String name, Map<String, String> settings, Map<String, String> environment) {
        return start(name, settings, apiPort -> environment, null);
    }

    /**
     * Starts a broker with these settings (system properties) and environment variables (given the API port chosen);
     * with {@code trust}, both ports are spoken to over HTTPS by clients that trust that context's CAs.
     */
    public static BrokerProcess start(String name, Map<String, String> settings, IntFunction<Map<String, String>> environment,
            SSLContext trust) {
        BrokerProcess broker = launch(name, settings, environment, trust);
        await().atMost(Duration.ofSeconds(60)).until(broker::ready);
        return broker;
    }

    /** Starts a broker with these settings (as system properties), without waiting until it is ready. */
    public static BrokerProcess launch(String name, Map<String, String> settings) {
        return launch(name, settings, apiPort -> Map.of(), null);
    }

    private static BrokerProcess launch(String name, Map<String, String> settings, IntFunction<Map<String, String>> environment,
            SSLContext trust) {
        Path jar = Path.of("target", "token-broker.jar");
        if (!jar.toFile().isFile()) {
            throw new IllegalStateException(jar + " is missing: *IT tests run after `mvn package` (mvn verify does)");
        }
        int port = RedisProcess.freePort();
        int managementPort = RedisProcess.freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + managementPort));
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", jar.toString()));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log(name).toFile());
            builder.environment().putAll(environment.apply(port));
            return new BrokerProcess(builder.start(), port, managementPort, trust);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the broker", e);
        }
    }

    /** Where the broker NAME logs. */
    public static Path log(String name) {
        return Path.of("target", "broker-" + name + ".log");
    }

    public int port() {
        return port;
    }

    public int managementPort() {
        return managementPort;
    }

    /** A client for this broker's ports (trusting the CA given at start when the broker speaks HTTPS). */
    public HttpClient http() {
        return http;
    }

    public URI uri(String pathAndQuery) {
        return URI.create(scheme + "://127.0.0.1:" + port + pathAndQuery);
    }

    public URI managementUri(String path) {
        return URI.create(scheme + "://127.0.0.1:" + managementPort + path);
    }

    public boolean ready() {
        return readiness() == 200;
    }

    /** The status of {@code /q/health/ready} (200 ready, 503 not), or 0 while the management port does not answer. */
    public int readiness() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the broker exited with " + process.exitValue());
        }
        try {
            return http.send(HttpRequest.newBuilder(managementUri("/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** {@code GET /tokens} for the fixtures' credential and this scope, as the ops caller. */
    public HttpRequest tokenRequest(String scope) {
        return tokenRequest(uri("/tokens?credential=" + Fixtures.CREDENTIAL + "&scope=" + scope));
    }

    /** {@link #tokenRequest(String)} with a {@code min_ttl}. */
    public HttpRequest tokenRequest(String scope, int minTtl) {
        return tokenRequest(uri("/tokens?credential=" + Fixtures.CREDENTIAL + "&scope=" + scope + "&min_ttl=" + minTtl));
    }

    private static HttpRequest tokenRequest(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + Fixtures.OPS_KEY)
                .timeout(Duration.ofSeconds(30)).build();
    }

    /** The access token of {@link #tokenRequest(String)}, which must answer 200. */
    public String token(String scope) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(tokenRequest(scope), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JsonPath.from(response.body()).getString("access_token");
    }

    /** {@code DELETE /tokens/{credential}} for the fixtures' credential, as the ops caller; the status. */
    public int purge() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri("/tokens/" + Fixtures.CREDENTIAL)).DELETE()
                .header("Authorization", "Bearer " + Fixtures.OPS_KEY).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** A detail of the readiness check's data, e.g. {@code redis} or {@code 'redis-events'}. */
    public String readinessDetail(String name) throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(managementUri("/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return JsonPath.from(body).getString("checks[0].data." + name);
    }

    /** Kills the process at once, as an OOM kill or a lost node would: no shutdown, no lock released. */
    public void kill() {
        process.destroyForcibly();
        await().until(() -> !process.isAlive());
    }

    public void stop() {
        process.destroy();
        await().atMost(Duration.ofSeconds(20)).until(() -> !process.isAlive());
    }
}
