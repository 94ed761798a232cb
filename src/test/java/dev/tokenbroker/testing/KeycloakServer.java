package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.time.Duration;
import java.util.Optional;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak ({@code org.keycloak:keycloak-quarkus-dist}, unpacked into {@code target/keycloak} by the
 * build; system property {@code keycloak.home}) in {@code start-dev} mode on free loopback ports, run by the
 * Temurin 25 JDK ({@code KEYCLOAK_JAVA_HOME}, default {@code /usr/lib/jvm/temurin-25-jdk-amd64}). Its output goes
 * to {@code target/keycloak-<port>.log}. Realms and clients are made through the admin REST API as the admin
 * console makes them (its calls, step by step), and left at Keycloak's defaults otherwise: nothing is bent to suit
 * the broker (docs/providers.md#keycloak).
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
     * A realm as the admin console's "Create realm" makes it: a name, enabled, and Keycloak's defaults for the rest
     * (access tokens of 5 minutes).
     */
    public void createRealm(String realm) {
        expect(201, send(admin("/admin/realms").POST(json(Map.of("realm", realm, "enabled", true)))), "create realm");
    }

    /**
     * A confidential client for machines, as the admin console's "Create client" makes it with "Client
     * authentication" on and only "Service accounts roles" ticked; its authenticator is Keycloak's default, "Client
     * Id and Secret". Answers its id (the UUID that the admin API names it by).
     */
    public String createServiceAccountClient(String realm, String clientId) {
        HttpResponse<String> created = send(admin("/admin/realms/" + realm + "/clients").POST(json(Map.of(
                "protocol", "openid-connect", "clientId", clientId, "enabled", true, "publicClient", false,
                "serviceAccountsEnabled", true, "standardFlowEnabled", false, "directAccessGrantsEnabled", false,
                "implicitFlowEnabled", false))));
        expect(201, created, "create client");
        String location = created.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** The client's secret, as its "Credentials" tab shows it. */
    public String clientSecret(String realm, String id) {
        HttpResponse<String> answer = send(admin("/admin/realms/" + realm + "/clients/" + id + "/client-secret").GET());
        expect(200, answer, "client secret");
        return read(answer).get("value").asText();
    }

    /**
     * The client's "Credentials" tab, "Client Authenticator" set to "Signed JWT" ({@code client-jwt}) and saved: the
     * admin console PUTs the whole client back.
     */
    public void useSignedJwt(String realm, String id) {
        updateClient(realm, id, client -> client.put("clientAuthenticatorType", "client-jwt"));
    }

    /**
     * The client's "Keys" tab, "Import key" with archive format "Certificate PEM", as the admin console sends it
     * (multipart {@code keystoreFormat} and {@code file}): Keycloak keeps the certificate as
     * {@code jwt.credential.certificate} and knows its key by an id of its own making.
     */
    public void importCertificate(String realm, String id, String certificatePem) {
        String boundary = "----keycloak-test-" + UUID.randomUUID();
        String body = part(boundary, "keystoreFormat", null, "Certificate PEM")
                + part(boundary, "file", "client.pem", certificatePem) + "--" + boundary + "--\r\n";
        expect(200, send(admin("/admin/realms/" + realm + "/clients/" + id + "/certificates/jwt.credential/upload-certificate")
                .setHeader("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body))), "import certificate");
    }

    /** The client's "Keys" tab, "Use JWKS URL" on with this URL, saved. */
    public void useJwksUrl(String realm, String id, String jwksUrl) {
        updateClient(realm, id, client -> {
            ObjectNode attributes = client.has("attributes") ? (ObjectNode) client.get("attributes") : client.putObject("attributes");
            attributes.put("use.jwks.url", "true");
            attributes.put("jwks.url", jwksUrl);
        });
    }

    /** The client's attributes as Keycloak holds them. */
    public JsonNode clientAttributes(String realm, String id) {
        return client(realm, id).get("attributes");
    }

    private ObjectNode client(String realm, String id) {
        HttpResponse<String> answer = send(admin("/admin/realms/" + realm + "/clients/" + id).GET());
        expect(200, answer, "read client");
        return (ObjectNode) read(answer);
    }

    private void updateClient(String realm, String id, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode client = client(realm, id);
        change.accept(client);
        expect(204, send(admin("/admin/realms/" + realm + "/clients/" + id).PUT(json(client))), "update client");
    }

    private static String part(String boundary, String name, String fileName, String content) {
        return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (fileName == null ? "" : "; filename=\"" + fileName + "\"\r\nContent-Type: application/x-pem-file")
                + "\r\n\r\n" + content + "\r\n";
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

    /** A request to the admin REST API, with a new token of the master realm's admin (they live a minute). */
    private HttpRequest.Builder admin(String path) {
        HttpResponse<String> login = postToken("master", Map.of("grant_type", "password", "client_id", "admin-cli",
                "username", ADMIN, "password", ADMIN_PASSWORD));
        expect(200, login, "admin login");
        return HttpRequest.newBuilder(URI.create(url() + path)).header("Authorization", "Bearer "
                + read(login).get("access_token").asText()).header("Content-Type", "application/json");
    }

    private static HttpRequest.BodyPublisher json(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(HttpResponse<String> answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails naming the step and Keycloak's status; the body only for the admin API's own errors (no secret there). */
    private static void expect(int status, HttpResponse<String> answer, String step) {
        if (answer.statusCode() != status) {
            throw new IllegalStateException("Keycloak " + step + ": " + answer.statusCode()
                    + (step.equals("admin login") || step.equals("client secret") ? "" : " " + answer.body()));
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
        createRealm(realm);
        expect(201, send(admin("/admin/realms/" + realm + "/identity-provider/instances").POST(json(Map.of("alias", alias,
                "providerId", "kubernetes", "enabled", true, "config", Map.of("issuer", issuer))))), "create identity provider");
        expect(201, send(admin("/admin/realms/" + realm + "/clients").POST(json(Map.of(
                "clientId", clientId, "enabled", true, "publicClient", false, "serviceAccountsEnabled", true,
                "standardFlowEnabled", false, "directAccessGrantsEnabled", false,
                "clientAuthenticatorType", "federated-jwt",
                "attributes", Map.of("jwt.credential.issuer", alias, "jwt.credential.sub", subject))))), "create client");
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
