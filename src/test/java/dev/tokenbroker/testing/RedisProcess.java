package dev.tokenbroker.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} on a free loopback port, which a test may stop and start again. Uses the
 * {@code redis-server} on the PATH, or the Linux binary that the embedded-redis jar ships.
 */
public final class RedisProcess {

    private final int port;
    private final List<String> extraArgs;
    private Process process;

    public RedisProcess(List<String> extraArgs) {
        this(freePort(), extraArgs);
    }

    public RedisProcess(int port, List<String> extraArgs) {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Sends one command; answers the reply's text (a simple string, an error, an integer or a bulk string). */
    public String command(String... args) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            StringBuilder out = new StringBuilder("*" + args.length + "\r\n");
            for (String arg : args) {
                out.append('$').append(arg.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).append("\r\n")
                        .append(arg).append("\r\n");
            }
            socket.getOutputStream().write(out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            String first = readLine(in);
            if (first.startsWith("$") && !first.equals("$-1")) {
                byte[] bulk = new byte[Integer.parseInt(first.substring(1))];
                in.readFully(bulk);
                return new String(bulk, java.nio.charset.StandardCharsets.UTF_8);
            }
            return first;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readLine(java.io.DataInputStream in) throws IOException {
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

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized void start() {
        List<String> command = new ArrayList<>(List.of(executable(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
        await().atMost(Duration.ofSeconds(20)).until(this::answers);
    }

    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            await().atMost(Duration.ofSeconds(20)).until(() -> !process.isAlive() && !answers());
            process = null;
        }
    }

    /** Empties every database. */
    public void flushAll() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("FLUSHALL\r\n".getBytes());
            byte[] reply = new byte[5];
            if (socket.getInputStream().read(reply) <= 0 || !new String(reply).startsWith("+OK")) {
                throw new IllegalStateException("FLUSHALL failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether something answers PING on the port. */
    public boolean answers() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("PING\r\n".getBytes());
            byte[] reply = new byte[7];
            return socket.getInputStream().read(reply) > 0 && new String(reply).startsWith("+PONG");
        } catch (IOException e) {
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
