package dev.tokenbroker.credential;

import java.util.Objects;
import java.util.Optional;

/**
 * How a credential proves itself to its token endpoint: one value per {@code auth_method}, holding exactly what that
 * method needs, so that no method carries an absent secret or key.
 */
public sealed interface ClientAuth {

    AuthMethod method();

    /** {@code client_secret_post} or {@code client_secret_basic}; {@code next} is the {@code client_secret_next}. */
    record ClientSecret(AuthMethod method, Secret secret, Optional<Secret> next) implements ClientAuth {
        public ClientSecret {
            Objects.requireNonNull(secret);
            Objects.requireNonNull(next);
            if (method != AuthMethod.CLIENT_SECRET_POST && method != AuthMethod.CLIENT_SECRET_BASIC) {
                throw new IllegalArgumentException("not a client secret method: " + method);
            }
        }
    }

    /**
     * {@code private_key_jwt}: assertions signed with {@code key}, with this {@code aud}, and a {@code kid} only when
     * the credential's {@code key_id} names one (providers that know the key by its certificate or by a JWKS entry
     * without {@code kid} refuse a {@code kid} they did not assign).
     */
    record PrivateKeyJwt(ClientKey key, Optional<String> keyId, String audience) implements ClientAuth {
        public PrivateKeyJwt {
            Objects.requireNonNull(key);
            Objects.requireNonNull(keyId);
            Objects.requireNonNull(audience);
        }

        @Override
        public AuthMethod method() {
            return AuthMethod.PRIVATE_KEY_JWT;
        }
    }

    /** {@code tls_client_auth}: {@code key} and its certificate are presented in the TLS handshake. */
    record TlsClientAuth(ClientKey key) implements ClientAuth {
        public TlsClientAuth {
            if (key.certificate().isEmpty()) {
                throw new IllegalArgumentException("tls_client_auth needs a certificate");
            }
        }

        @Override
        public AuthMethod method() {
            return AuthMethod.TLS_CLIENT_AUTH;
        }
    }

    /**
     * {@code federated}: the JWT in {@code tokenFile}, read anew for every token request ({@link FederatedToken}), is
     * the client assertion; the token itself is never held here.
     */
    record Federated(java.nio.file.Path tokenFile) implements ClientAuth {
        public Federated {
            if (!tokenFile.isAbsolute()) {
                throw new IllegalArgumentException("federated_token_file must be an absolute path");
            }
        }

        @Override
        public AuthMethod method() {
            return AuthMethod.FEDERATED;
        }
    }
}
