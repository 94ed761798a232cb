package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real {@code redis-server} on a free loopback port, which a test may stop and start again. Uses the
 * {@code redis-server} on the PATH, or the Linux binary that the embedded-redis jar ships. A {@linkplain #secured
 * secured} one listens on TLS only and has ACL users, the {@code default} user off; the helper's own commands then
 * go over TLS as an admin user of its own.
 */
public final class RedisProcess {

    /** The helper's own user on a secured server, allowed everything. */
    public static final String ADMIN = "test-admin";

    private final int port;
    private final List<String> extraArgs;
    private final RedisCertificates certificates;
    private final String adminPassword;
    private final Path log;
    private Process process;

    public RedisProcess(List<String> extraArgs) {
        this(freePort(), extraArgs);
    }

    public RedisProcess(int port, List<String> extraArgs) {
        this(port, extraArgs, null, null);
    }

    private RedisProcess(int port, List<String> extraArgs, RedisCertificates certificates, String adminPassword) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.certificates = certificates;
        this.adminPassword = adminPassword;
        try {
            this.log = Files.createTempFile("redis-server-" + port, ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A server on TLS only ({@code --port 0}, {@code --tls-port}), with this CA's server certificate, and an ACL
     * file: {@code user default off}, the helper's admin user, and {@code users} (name to ACL rules, as after
     * {@code ACL SETUSER name}), which a restart keeps.
     */
    public static RedisProcess secured(RedisCertificates certificates, Map<String, String> users) {
        String adminPassword = UUID.randomUUID().toString();
        StringBuilder acl = new StringBuilder("user default off\n")
                .append("user ").append(ADMIN).append(" on >").append(adminPassword).append(" ~* &* +@all\n");
        users.forEach((name, rules) -> acl.append("user ").append(name).append(' ').append(rules).append('\n'));
        try {
            Path aclFile = Files.createTempFile("redis-users", ".acl");
            Files.writeString(aclFile, acl);
            int port = freePort();
            return new RedisProcess(port, List.of("--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1", "-::1",
                    "--tls-cert-file", certificates.certificate().toString(), "--tls-key-file", certificates.key().toString(),
                    "--tls-ca-cert-file", certificates.ca().toString(), "--tls-auth-clients", "no",
                    "--aclfile", aclFile.toString()), certificates, adminPassword);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the redis-server these tests use can listen on TLS (Redis 6 and 7.0 built without it refuse the
     * {@code tls-port} directive), and the {@code openssl} command is there to make a test CA. For
     * {@code @EnabledIf("dev.tokenbroker.testing.RedisProcess#tlsSupported")}.
     */
    public static synchronized boolean tlsSupported() {
        if (tlsSupported == null) {
            try {
                RedisProcess probe = secured(RedisCertificates.create("DNS:localhost", "IP:127.0.0.1"), Map.of());
                probe.start();
                probe.stop();
                tlsSupported = true;
            } catch (RuntimeException e) {
                System.err.println("TLS tests skipped: redis-server (" + executable() + ") or openssl cannot do TLS here: "
                        + e.getMessage());
                tlsSupported = false;
            }
        }
        return tlsSupported;
    }

    private static Boolean tlsSupported;

    /** Sends one command; answers the reply's text (a simple string, an error, an integer or a bulk string; an array's elements, one a line). */
    public String command(String... args) {
        try (Socket socket = open()) {
            send(socket, args);
            return text(read(new DataInputStream(new BufferedInputStream(socket.getInputStream()))));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Socket open() throws IOException {
        Socket socket;
        if (certificates == null) {
            socket = new Socket("127.0.0.1", port);
        } else {
            // Trusts every CA the test made, and checks no name: a test may serve a certificate the broker refuses.
            socket = certificates.adminContext().getSocketFactory().createSocket("localhost", port);
        }
        socket.setSoTimeout(10_000);
        if (certificates != null) {
            send(socket, "AUTH", ADMIN, adminPassword);
            Object reply = read(new DataInputStream(socket.getInputStream()));
            if (!"+OK".equals(reply)) {
                socket.close();
                throw new IOException("AUTH " + ADMIN + ": " + reply);
            }
        }
        return socket;
    }

    private static void send(Socket socket, String... args) throws IOException {
        StringBuilder out = new StringBuilder("*" + args.length + "\r\n");
        for (String arg : args) {
            out.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
        }
        socket.getOutputStream().write(out.toString().getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** One RESP2 reply: a String for simple strings, errors and integers (with their +, - or :), bulk text, or a List. */
    private static Object read(DataInputStream in) throws IOException {
        String first = readLine(in);
        if (first.startsWith("$")) {
            if (first.equals("$-1")) {
                return null;
            }
            byte[] bulk = new byte[Integer.parseInt(first.substring(1))];
            in.readFully(bulk);
            readLine(in);
            return new String(bulk, StandardCharsets.UTF_8);
        }
        if (first.startsWith("*")) {
            int size = Integer.parseInt(first.substring(1));
            List<Object> elements = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                elements.add(read(in));
            }
            return elements;
        }
        return first;
    }

    private static String text(Object reply) {
        if (reply instanceof List<?> list) {
            StringBuilder lines = new StringBuilder();
            for (Object element : list) {
                lines.append(lines.length() == 0 ? "" : "\n").append(text(element));
            }
            return lines.toString();
        }
        return reply == null ? "$-1" : reply.toString();
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    public int port() {
        return port;
    }

    /** The URL for {@code quarkus.redis.hosts}: {@code redis://127.0.0.1:PORT}, or {@code rediss://localhost:PORT} when secured. */
    public String uri() {
        return certificates == null ? "redis://127.0.0.1:" + port : "rediss://localhost:" + port;
    }

    /** The URL with an ACL user, the way the Vert.x client takes one whose password is set apart: {@code ?user=NAME}. */
    public String uri(String user) {
        return uri() + "?user=" + user;
    }

    /** This server's CA, when secured. */
    public RedisCertificates certificates() {
        return certificates;
    }

    /**
     * Serves another certificate for the same key from now on (connections made before keep theirs); see
     * {@link RedisCertificates#certificateFor} and {@link RedisCertificates#certificateFromAnotherCa}.
     */
    public void serveCertificate(Path certificate) {
        String reply = command("CONFIG", "SET", "tls-cert-file", certificate.toString());
        if (!reply.equals("+OK")) {
            throw new IllegalStateException("CONFIG SET tls-cert-file: " + reply);
        }
    }

    /** The password of the helper's {@link #ADMIN} user, when secured. */
    public String adminPassword() {
        return adminPassword;
    }

    public synchronized void start() {
        List<String> command = new ArrayList<>(List.of(executable(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"));
        command.addAll(extraArgs); // a later --port (0, when secured) wins
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
        Process started = process;
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                if (!started.isAlive()) {
                    throw new IllegalStateException("redis-server exited with " + started.exitValue() + ": " + output());
                }
                return answers();
            });
        } catch (RuntimeException e) {
            started.destroy();
            process = null;
            throw e;
        }
    }

    private String output() {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            await().atMost(Duration.ofSeconds(20)).until(() -> !process.isAlive() && !answers());
            process = null;
        }
    }

    /** Freezes redis-server (SIGSTOP): connections stay open and nothing answers, as with a hung Redis. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** Lets a paused redis-server run again (SIGCONT). */
    public synchronized void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Empties every database. */
    public void flushAll() {
        String reply = command("FLUSHALL");
        if (!reply.startsWith("+OK")) {
            throw new IllegalStateException("FLUSHALL failed: " + reply);
        }
    }

    /** Whether something answers PING on the port (as the helper's admin user, when secured). */
    public boolean answers() {
        try (Socket socket = open()) {
            socket.setSoTimeout(1000);
            send(socket, "PING");
            return "+PONG".equals(read(new DataInputStream(socket.getInputStream())));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        try (InputStream binary = RedisProcess.class.getResourceAsStream("/redis-server-6.2.6-v5-linux-amd64")) {
            if (binary == null) {
                throw new IllegalStateException("no redis-server on the PATH and no embedded binary");
            }
            Path file = Files.createTempFile("redis-server", "");
            Files.copy(binary, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().setExecutable(true);
            file.toFile().deleteOnExit();
            return file.toString();
        } catch (IOException e) {
            throw new IllegalStateException("cannot unpack the embedded redis-server", e);
        }
    }

    /** A free port below 50000 whose cluster bus port (port + 10000) is free too. */
    public static int freeClusterPort() {
        while (true) {
            int port = freePort();
            if (port < 50000) {
                try (ServerSocket bus = new ServerSocket(port + 10000)) {
                    return port;
                } catch (IOException busTaken) {
                    // try another
                }
            }
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
