package dev.tokenbroker.upstream;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.ClientKey;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.tls.CaBundle;
import dev.tokenbroker.token.ScopeSet;
import io.quarkus.logging.Log;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.Response;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Sends one {@code client_credentials} request to a credential's token endpoint: form POST, client authentication
 * by {@code auth_method}, scopes joined by {@code scope_separator}, and the credential's {@code token_params}. Redirects are never followed. A failure before
 * an answer arrives becomes an {@link UpstreamUnavailableException} ({@code timeout}, {@code io_error}) or, when
 * the endpoint's certificate fails the checks, an {@link UpstreamUntrustedException}.
 *
 * <p>Token endpoints are trusted by the system's CAs, plus those of the credential's {@code ca_file} or, without
 * one, of {@code tokenbroker.upstream.ca-file}.
 */
@ApplicationScoped
class TokenEndpoints {

    private final TokenBrokerConfig.Upstream config;
    private final UpstreamCaFile globalCa;
    private final Map<EndpointKey, TokenEndpointApi> clients = new ConcurrentHashMap<>();

    /**
     * One REST client per token URL, the CAs it trusts and the client certificate it presents (by its chain's
     * SHA-256, so a renewed certificate gets a new client), so credentials with different CAs or certificates never
     * share one.
     */
    private record EndpointKey(URI tokenUrl, Optional<CaBundle> ca, Optional<String> clientChainSha256) {}

    TokenEndpoints(TokenBrokerConfig config, UpstreamCaFile globalCa) {
        this.config = config.upstream();
        this.globalCa = globalCa;
    }

    /**
     * The token endpoint's answer, whatever its status; the caller reads and closes it. An interrupted call (the
     * guard's timeout) ends with the client's own exception, which the guard counts.
     */
    Response post(Credential credential, ClientAuthenticator.Authentication authentication, ScopeSet scopes) {
        try {
            return client(credential, authentication.tlsKey())
                    .token(authentication.authorization().orElse(null), form(credential, authentication, scopes));
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            Optional<String> untrusted = certificateProblem(e);
            if (untrusted.isPresent()) {
                Log.warnf("event=upstream_untrusted credential=%s host=%s cause=tls_untrusted_certificate trusted=%s "
                                + "problem=\"%s\" action=not_retried "
                                + "hint=\"check the credential's ca_file or tokenbroker.upstream.ca-file\"",
                        credential.name(), HostGuards.hostOf(credential.tokenUrl()), trustedCas(credential), untrusted.get());
                throw new UpstreamUntrustedException();
            }
            String cause = cause(e);
            String reason = cause.equals("timeout") ? "timeout" : "io_error";
            Log.warnf("event=upstream_failed credential=%s host=%s reason=%s cause=%s exception=%s", credential.name(),
                    HostGuards.hostOf(credential.tokenUrl()), reason, cause, rootCause(e).getClass().getSimpleName());
            throw new UpstreamUnavailableException(reason, Optional.empty());
        }
    }

    private TokenEndpointApi client(Credential credential, Optional<ClientKey> tlsKey) {
        Optional<CaBundle> ca = credential.caBundle().or(globalCa::current);
        EndpointKey endpoint = new EndpointKey(credential.tokenUrl(), ca, tlsKey.map(ClientKey::chainSha256));
        return clients.computeIfAbsent(endpoint, key -> {
            QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                    .baseUri(key.tokenUrl())
                    .connectTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    // A token endpoint that redirects is misconfigured or hijacked: the form holds the secret.
                    .followRedirects(false)
                    .disableDefaultMapper(true);
            key.ca().ifPresent(bundle -> builder.trustStore(bundle.trustStore(), ""));
            tlsKey.ifPresent(client -> builder.keyStore(client.keyStore(), ClientKey.KEY_STORE_PASSWORD));
            return builder.build(TokenEndpointApi.class);
        });
    }

    private static MultivaluedHashMap<String, String> form(Credential credential,
            ClientAuthenticator.Authentication authentication, ScopeSet scopes) {
        MultivaluedHashMap<String, String> form = new MultivaluedHashMap<>();
        form.add("grant_type", "client_credentials");
        if (!scopes.isEmpty()) {
            form.add("scope", scopes.join(credential.scopeSeparator().separator()));
        }
        authentication.form().forEach(form::add);
        addTokenParams(credential, form);
        return form;
    }

    /** The credential's {@code token_params}, besides the fields the broker sets; repeated names in their order. */
    static void addTokenParams(Credential credential, MultivaluedHashMap<String, String> form) {
        credential.tokenParams().params().forEach(param -> form.add(param.name(), param.value()));
    }

    /** Which CAs a credential's token endpoint is checked against, for log lines. */
    private String trustedCas(Credential credential) {
        if (credential.caBundle().isPresent()) {
            return "system+credential_ca_file";
        }
        return globalCa.configured() ? "system+upstream_ca_file" : "system";
    }

    /**
     * What is wrong with the token endpoint's certificate (unknown CA, wrong host name, expired), when that is why
     * the connection failed: the JDK's words about the peer's certificate, which hold no secret.
     */
    static Optional<String> certificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                return Optional.of(TokenResponseReader.printable(
                        Optional.ofNullable(t.getMessage()).orElse(t.getClass().getSimpleName())));
            }
        }
        return Optional.empty();
    }

    /**
     * Why no answer came, for the log line (docs/operations.md, Why was this refused?): {@code name_not_resolved},
     * {@code connection_refused}, {@code no_route_to_host}, {@code connection_failed}, {@code timeout}, {@code tls}
     * (a handshake that failed other than on the certificate), {@code connection_closed} (reset or closed before the
     * answer) or {@code other}; the first that the exception or one of its causes shows, from the outermost.
     */
    static String cause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().contains("Timeout")) {
                return "timeout";
            }
            if (t instanceof UnknownHostException) {
                return "name_not_resolved";
            }
            if (t instanceof NoRouteToHostException) {
                return "no_route_to_host";
            }
            if (t instanceof ConnectException) {
                return String.valueOf(t.getMessage()).contains("refused") ? "connection_refused" : "connection_failed";
            }
            if (t instanceof SSLException) {
                return "tls";
            }
            if (t instanceof ClosedChannelException || t instanceof SocketException
                    || t.getClass().getSimpleName().equals("VertxException") && String.valueOf(t.getMessage()).contains("closed")) {
                return "connection_closed";
            }
        }
        return "other";
    }

    private static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
