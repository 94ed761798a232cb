package dev.tokenbroker.caller;

import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.tls.CaBundle;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * One bounded https GET of a JWKS or an OpenID discovery document: a timeout, at most {@link #MAX_BYTES}, no
 * redirect followed, the JVM's CAs plus those of a CA file (read on every fetch, so a renewed file is used), and the
 * broker's own token as bearer only where the caller of this class says so.
 *
 * <p>The JDK's {@link HttpClient}, not a REST client: its trust anchors come from a CA file that exists only inside a
 * cluster, and its bearer token from a file the kubelet rotates, so both are read when the document is.
 */
final class JwksFetch {

    static final int MAX_BYTES = 1024 * 1024;

    private final Optional<Path> caFile;
    private final Duration timeout;
    private HttpClient client;
    private byte[] clientCa;

    /** {@code caFile}: CAs trusted besides the JVM's, when the file exists. */
    JwksFetch(Optional<Path> caFile, Duration timeout) {
        this.caFile = caFile;
        this.timeout = timeout;
    }

    /** An answer other than 200. */
    static final class HttpStatus extends IOException {
        HttpStatus(int status) {
            super("HTTP " + status, null);
        }
    }

    /** The body of a 200 answer to GET {@code url}, with the token in {@code bearerFile} if one is given and readable. */
    byte[] get(URI url, Optional<Path> bearerFile) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Accept", "application/json").GET();
        if (bearerFile.isPresent() && Files.isReadable(bearerFile.get())) {
            request.header("Authorization", "Bearer " + Files.readString(bearerFile.get()).strip());
        }
        HttpResponse<InputStream> response = client().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new HttpStatus(response.statusCode());
            }
            byte[] bytes = body.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException("larger than 1 MiB");
            }
            return bytes;
        }
    }

    /** A file's bytes, bounded as an answer is. */
    static byte[] file(Path file) throws IOException {
        return LastGood.readFile(file, MAX_BYTES);
    }

    /** A client that trusts the JVM's CAs and those in the CA file; rebuilt when the file changes. */
    private synchronized HttpClient client() throws IOException {
        byte[] ca = caFile.filter(Files::isReadable).isPresent() ? Files.readAllBytes(caFile.get()) : new byte[0];
        if (client == null || !Arrays.equals(ca, clientCa)) {
            HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER);
            if (ca.length > 0) {
                builder.sslContext(sslContext(ca));
            }
            client = builder.build();
            clientCa = ca;
        }
        return client;
    }

    private static SSLContext sslContext(byte[] pem) throws IOException {
        try {
            return CaBundle.parse(new String(pem, StandardCharsets.UTF_8)).sslContext();
        } catch (CaBundle.InvalidCaBundle e) {
            throw new IOException("CA file unusable (" + e.getMessage() + ")");
        }
    }
}
