package dev.tokenbroker.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * A token endpoint (the JDK's {@code HttpsServer}) that requires a client certificate issued by {@link #clientCa()}
 * in the TLS handshake; it records the certificate each request presented and its form, and answers with a token.
 * Its own certificate ({@code localhost}) is issued by {@link #serverCa()}.
 */
public final class MutualTlsEndpoint implements AutoCloseable {

    public static final String PATH = "/oauth2/token";

    /** One request as the server saw it. */
    public record Seen(X509Certificate clientCertificate, Map<String, String> form) {}

    private final TestCa serverCa = TestCa.create("mtls server CA");
    private final TestCa clientCa = TestCa.create("mtls client CA");
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final HttpsServer server;

    public MutualTlsEndpoint() {
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            SSLContext context = context();
            server.setHttpsConfigurator(new HttpsConfigurator(context) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters ssl = context.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(true);
                    params.setSSLParameters(ssl);
                }
            });
            server.createContext(PATH, exchange -> {
                HttpsExchange https = (HttpsExchange) exchange;
                Certificate[] peer = https.getSSLSession().getPeerCertificates();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                seen.add(new Seen((X509Certificate) peer[0], ClientKeys.form(body)));
                byte[] answer = ("{\"access_token\":\"mtls-" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\","
                        + "\"expires_in\":3600}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SSLContext context() {
        try {
            char[] password = "mtls-server".toCharArray();
            TestCa.Issued issued = serverCa.issueForLocalhost("mtls.example");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", issued.key(), password, new Certificate[] {issued.certificate(), serverCa.certificate()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("client-ca", clientCa.certificate());
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String tokenUrl() {
        return "https://localhost:" + server.getAddress().getPort() + PATH;
    }

    public TestCa serverCa() {
        return serverCa;
    }

    public TestCa clientCa() {
        return clientCa;
    }

    /** Every request so far, oldest first. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
