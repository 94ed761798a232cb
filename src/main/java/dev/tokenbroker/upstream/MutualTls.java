package dev.tokenbroker.upstream;

import dev.tokenbroker.credential.ClientKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tls_client_auth} (RFC 8705 2.1): the key and certificate are presented in the TLS handshake, the form
 * names the client and carries no secret.
 */
record MutualTls(String clientId, ClientKey key) implements ClientAuthenticator {

    @Override
    public Authentication authenticate() {
        return new Authentication(Map.of("client_id", clientId), Optional.empty(), Optional.of(key), List.of());
    }
}
