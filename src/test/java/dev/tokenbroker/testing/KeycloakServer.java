package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak ({@code org.keycloak:keycloak-quarkus-dist}, unpacked into {@code target/keycloak} by the
 * build; system property {@code keycloak.home}) in {@code start-dev} mode on free loopback ports, run by the
 * Temurin 25 JDK ({@code KEYCLOAK_JAVA_HOME}, default {@code /usr/lib/jvm/temurin-25-jdk-amd64}). Its output goes
 * to {@code target/keycloak-<port>.log}. Realms and clients are made through the admin REST API.
 */
public final class KeycloakServer implements AutoCloseable {

    private static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "test-only-admin-password";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private KeycloakServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * A Java 21+ JDK for Keycloak: {@code KEYCLOAK_JAVA_HOME}, else the JVM running the tests when it is one, else the
     * newest under {@code /usr/lib/jvm} (where the Temurin 25 JDK is installed beside the default JDK 17).
     */
    public static Optional<Path> javaHome() {
        String configured = System.getenv("KEYCLOAK_JAVA_HOME");
        if (configured != null) {
            return Optional.of(Path.of(configured)).filter(h -> Files.isExecutable(h.resolve("bin/java")));
        }
        if (Runtime.version().feature() >= 21) {
            return Optional.of(Path.of(System.getProperty("java.home")));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (var homes = Files.list(jvms)) {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && feature(h) >= 21)
                    .max(java.util.Comparator.comparingInt(KeycloakServer::feature));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The Java feature release a JDK's {@code release} file names, or 0. */
    private static int feature(Path home) {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)")
                    .matcher(Files.readString(home.resolve("release")));
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Starts Keycloak and waits (up to 5 minutes: start-dev on a busy machine is slow) until it answers. */
    public static KeycloakServer start() {
        Path home = Path.of(System.getProperty("keycloak.home", "target/keycloak/keycloak-26.7.3"));
        if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("no Keycloak at " + home.toAbsolutePath()
                    + ": the build unpacks org.keycloak:keycloak-quarkus-dist there (process-test-resources)");
        }
        Path javaHome = javaHome().orElseThrow(() -> new IllegalStateException("Keycloak needs a Java 21+ JDK: none at "
                + "KEYCLOAK_JAVA_HOME, the running JVM or /usr/lib/jvm (the Temurin 25 JDK is expected there)"));
        deleteTree(home.resolve("data")); // a fresh dev database: no realm left from an earlier run
        int port = RedisProcess.freePort();
        Path log = Path.of("target", "keycloak-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-port=" + port, "--http-host=127.0.0.1", "--http-management-port=" + RedisProcess.freePort(),
                "--hostname=http://127.0.0.1:" + port, "--cache=local", "--health-enabled=false",
                "--metrics-enabled=false")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
        builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        builder.environment().put("JAVA_OPTS_APPEND", "-Xms64m -Xmx768m --add-opens=java.base/java.lang=ALL-UNNAMED");
        KeycloakServer server;
        try {
            server = new KeycloakServer(builder.start(), port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> {
                        if (!server.process.isAlive()) {
                            throw new IllegalStateException("Keycloak exited; see " + log.toAbsolutePath());
                        }
                        return server.get("/realms/master").statusCode() == 200;
                    });
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException("Keycloak did not start within 5 minutes; see " + log.toAbsolutePath(), e);
        }
        return server;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public String tokenUrl(String realm) {
        return url() + "/realms/" + realm + "/protocol/openid-connect/token";
    }

    /**
     * A realm, and in it a confidential client with service accounts whose authenticator is "Signed JWT" by this
     * certificate, its key known by {@code kid} (Keycloak's own default is not the RFC 7638 thumbprint).
     */
    public void createSignedJwtClient(String realm, String clientId, X509Certificate certificate, String kid) {
        try {
            String token = adminToken();
            admin(token, "/admin/realms", Map.of("realm", realm, "enabled", true, "accessTokenLifespan", 3600));
            admin(token, "/admin/realms/" + realm + "/clients", Map.of(
                    "clientId", clientId, "enabled", true, "publicClient", false, "serviceAccountsEnabled", true,
                    "standardFlowEnabled", false, "directAccessGrantsEnabled", false,
                    "clientAuthenticatorType", "client-jwt",
                    "attributes", Map.of("jwt.credential.certificate",
                            Base64.getEncoder().encodeToString(certificate.getEncoded()), "jwt.credential.kid", kid)));
        } catch (IOException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** POSTs a form to a realm's token endpoint, as a client would. */
    public HttpResponse<String> postToken(String realm, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(tokenUrl(realm)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private String adminToken() throws IOException {
        HttpResponse<String> answer = postToken("master", Map.of("grant_type", "password", "client_id", "admin-cli",
                "username", ADMIN, "password", ADMIN_PASSWORD));
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("Keycloak admin login: " + answer.statusCode());
        }
        JsonNode json = JSON.readTree(answer.body());
        return json.get("access_token").asText();
    }

    private void admin(String token, String path, Object body) throws IOException {
        HttpResponse<String> answer = send(HttpRequest.newBuilder(URI.create(url() + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        if (answer.statusCode() != 201) {
            throw new IllegalStateException("Keycloak admin " + path + ": " + answer.statusCode() + " " + answer.body());
        }
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Federated client authentication as the server admin guide ("Kubernetes identity providers") sets it up, through
     * the admin REST API that {@code kcadm.sh} drives: a realm at its defaults; a Kubernetes identity provider
     * ({@code kcadm.sh create identity-provider/instances -r REALM -s alias=ALIAS -s providerId=kubernetes
     * -s config.issuer=ISSUER}); and a confidential client with a service account whose authenticator is
     * "Signed JWT - Federated" ({@code clientAuthenticatorType=federated-jwt}) naming that provider
     * ({@code jwt.credential.issuer}) and the ServiceAccount's subject ({@code jwt.credential.sub}).
     */
    public void createFederatedClient(String realm, String alias, String issuer, String clientId, String subject) {
        try {
            String token = adminToken();
            admin(token, "/admin/realms", Map.of("realm", realm, "enabled", true));
            admin(token, "/admin/realms/" + realm + "/identity-provider/instances", Map.of("alias", alias,
                    "providerId", "kubernetes", "enabled", true, "config", Map.of("issuer", issuer)));
            admin(token, "/admin/realms/" + realm + "/clients", Map.of(
                    "clientId", clientId, "enabled", true, "publicClient", false, "serviceAccountsEnabled", true,
                    "standardFlowEnabled", false, "directAccessGrantsEnabled", false,
                    "clientAuthenticatorType", "federated-jwt",
                    "attributes", Map.of("jwt.credential.issuer", alias, "jwt.credential.sub", subject)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The realm's issuer URL: the audience Keycloak expects of a federated client assertion. */
    public String realmUrl(String realm) {
        return url() + "/realms/" + realm;
    }

    /** Stops Keycloak and every process it started. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
