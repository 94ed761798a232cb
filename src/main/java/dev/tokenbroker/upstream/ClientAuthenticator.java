package dev.tokenbroker.upstream;

import dev.tokenbroker.credential.ClientAuth;
import dev.tokenbroker.credential.ClientKey;
import dev.tokenbroker.credential.Credential;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One way of authenticating a client at its token endpoint ({@code auth_method}): turns a credential into what
 * one token request carries. {@link TokenEndpoints} sends that without knowing the method. Model: Spring Security's
 * {@code NimbusJwtClientAuthenticationParametersConverter}.
 */
interface ClientAuthenticator {

    /** What the next request carries; called once per attempt, so an assertion is never sent twice. */
    Authentication authenticate();

    /**
     * The authenticators of a credential in the order they are tried: the secret methods have a second one when
     * {@code client_secret_next} is set, tried when the first is refused.
     */
    static List<ClientAuthenticator> of(Credential credential, Clock clock) {
        String clientId = credential.clientId();
        ClientAuth auth = credential.clientAuth();
        if (auth instanceof ClientAuth.PrivateKeyJwt jwt) {
            return List.of(new ClientAssertion(clientId, jwt, clock));
        }
        if (auth instanceof ClientAuth.TlsClientAuth tls) {
            return List.of(new MutualTls(clientId, tls.key()));
        }
        if (auth instanceof ClientAuth.Federated federated) {
            return List.of(new FederatedAssertion(credential.name(), clientId, federated.tokenFile(), clock));
        }
        ClientAuth.ClientSecret secrets = (ClientAuth.ClientSecret) auth;
        List<ClientAuthenticator> tried = new ArrayList<>();
        tried.add(SecretAuthenticator.of(secrets.method(), clientId, secrets.secret()));
        secrets.next().ifPresent(next -> tried.add(SecretAuthenticator.of(secrets.method(), clientId, next)));
        return List.copyOf(tried);
    }

    /**
     * What one token request carries to authenticate the client: form parameters, maybe an {@code Authorization}
     * header, maybe a key and certificate for the TLS handshake; {@code secrets} are the values to keep out of any
     * text the endpoint echoes.
     */
    record Authentication(Map<String, String> form, Optional<String> authorization, Optional<ClientKey> tlsKey,
            List<String> secrets) {

        public Authentication {
            form = Map.copyOf(form);
            secrets = List.copyOf(secrets);
        }

        /** {@code text} with every secret of this request replaced. */
        String redact(String text) {
            String redacted = text;
            for (String secret : secrets) {
                redacted = redacted.replace(secret, "[redacted]");
            }
            return redacted;
        }

        @Override
        public String toString() {
            return "Authentication[form=" + form.keySet() + "]";
        }
    }
}
