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
 * One technical account, as read from its mounted Kubernetes Secret. Secrets redact themselves in {@code toString}.
 * {@code caBundle} is the Secret's {@code ca_file}: CAs trusted for this credential's token endpoint.
 * {@code tokenParams} are sent with every token request; {@code defaultLifetime} stands in for an answer's missing
 * {@code expires_in}.
 */
public record Credential(
        String name,
        String clientId,
        Secret clientSecret,
        Optional<Secret> clientSecretNext,
        ScopeSet scopes,
        ScopeSet defaultScopes,
        URI tokenUrl,
        AuthMethod authMethod,
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
        Objects.requireNonNull(clientSecret);
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

    /**
     * What identifies the account upstream and the audience of its tokens. When it changes, tokens minted for the
     * old identity or audience are dropped; a changed secret keeps them, since they stay valid upstream.
     */
    public boolean sameAccountAs(Credential other) {
        return clientId.equals(other.clientId) && tokenUrl.equals(other.tokenUrl) && tokenParams.equals(other.tokenParams);
    }

    /** What a token of this credential for these scopes is cached under. */
    public TokenKey tokenKey(ScopeSet scopes) {
        return new TokenKey(name, clientId, tokenUrl.toString(), scopes, tokenParams);
    }
}
