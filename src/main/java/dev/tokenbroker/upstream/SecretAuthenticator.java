package dev.tokenbroker.upstream;

import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.credential.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code client_secret_post} and {@code client_secret_basic}: the client id and one secret. */
final class SecretAuthenticator {

    private SecretAuthenticator() {}

    static ClientAuthenticator of(AuthMethod method, String clientId, Secret secret) {
        return method == AuthMethod.CLIENT_SECRET_BASIC ? new Basic(clientId, secret) : new Post(clientId, secret);
    }

    /** {@code client_id} and {@code client_secret} as form fields, as Adobe IMS expects. */
    record Post(String clientId, Secret secret) implements ClientAuthenticator {
        @Override
        public Authentication authenticate() {
            return new Authentication(Map.of("client_id", clientId, "client_secret", secret.value()), Optional.empty(),
                    Optional.empty(), List.of(secret.value()));
        }
    }

    /** RFC 6749 2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
    record Basic(String clientId, Secret secret) implements ClientAuthenticator {
        @Override
        public Authentication authenticate() {
            String pair = URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
                    + URLEncoder.encode(secret.value(), StandardCharsets.UTF_8);
            String basic = Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
            return new Authentication(Map.of(), Optional.of("Basic " + basic), Optional.empty(),
                    List.of(secret.value(), basic));
        }
    }
}
