package dev.tokenbroker.credential;

import dev.tokenbroker.tls.CaBundle;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenKey;
import dev.tokenbroker.token.TokenParams;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One technical account, as read from its mounted Kubernetes Secret. {@code clientAuth} holds what its
 * {@code auth_method} needs (secrets, a private key and certificate, or the path of a federated token file); secrets and keys redact themselves in
 * {@code toString}.
 * {@code caBundle} is the Secret's {@code ca_file}: CAs trusted for this credential's token endpoint.
 * {@code tokenParams} are sent with every token request; {@code defaultLifetime} stands in for an answer's missing
 * {@code expires_in}.
 */
public record Credential(
        String name,
        String clientId,
        ClientAuth clientAuth,
        ScopeSet scopes,
        ScopeSet defaultScopes,
        URI tokenUrl,
        ScopeSeparator scopeSeparator,
        Optional<String> orgId,
        Optional<String> technicalAccountId,
        Optional<CaBundle> caBundle,
        TokenParams tokenParams,
        Optional<Duration> defaultLifetime) {

    /** Valid credential names: a DNS label, as Kubernetes allows for the directory. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public Credential {
        Objects.requireNonNull(name);
        Objects.requireNonNull(clientId);
        Objects.requireNonNull(clientAuth);
        Objects.requireNonNull(tokenUrl);
        Objects.requireNonNull(caBundle);
        Objects.requireNonNull(tokenParams);
        Objects.requireNonNull(defaultLifetime);
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid credential name");
        }
        if (scopes.isEmpty() || !scopes.containsAll(defaultScopes)) {
            throw new IllegalArgumentException("default scopes must lie inside scopes");
        }
    }

    public AuthMethod authMethod() {
        return clientAuth.method();
    }

    /** The {@code client_secret}, for the secret methods. */
    public Optional<Secret> clientSecret() {
        return clientAuth instanceof ClientAuth.ClientSecret secrets ? Optional.of(secrets.secret()) : Optional.empty();
    }

    /** The {@code client_secret_next}, for the secret methods. */
    public Optional<Secret> clientSecretNext() {
        return clientAuth instanceof ClientAuth.ClientSecret secrets ? secrets.next() : Optional.empty();
    }

    /**
     * What identifies the account upstream and the audience of its tokens. When it changes, tokens minted for the
     * old identity or audience are dropped; a changed secret, key or certificate keeps them, since they stay valid
     * upstream.
     */
    public boolean sameAccountAs(Credential other) {
        return clientId.equals(other.clientId) && tokenUrl.equals(other.tokenUrl) && tokenParams.equals(other.tokenParams);
    }

    /** What a token of this credential for these scopes is cached under. */
    public TokenKey tokenKey(ScopeSet scopes) {
        return new TokenKey(name, clientId, tokenUrl.toString(), scopes, tokenParams);
    }
}
