package dev.tokenbroker.credential;

import java.util.Arrays;
import java.util.Optional;

/** How the client authenticates at the token endpoint. */
public enum AuthMethod {
    /** {@code client_id} and {@code client_secret} as form fields, as Adobe IMS expects. */
    CLIENT_SECRET_POST,
    /** HTTP Basic with the form-encoded id and secret (RFC 6749 2.3.1). */
    CLIENT_SECRET_BASIC,
    /** A client assertion signed with the credential's private key (RFC 7523 2.2, OIDC Core 9). */
    PRIVATE_KEY_JWT,
    /** Mutual TLS with the credential's certificate and private key (RFC 8705 2.1). */
    TLS_CLIENT_AUTH,
    /**
     * The JWT of {@code federated_token_file} (usually the broker's projected ServiceAccount token) sent as the client
     * assertion (RFC 7523 2.2): no secret or key is held.
     */
    FEDERATED;

    public String value() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Optional<AuthMethod> of(String value) {
        return Arrays.stream(values()).filter(m -> m.value().equals(value)).findFirst();
    }
}
