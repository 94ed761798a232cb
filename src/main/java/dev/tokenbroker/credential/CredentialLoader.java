package dev.tokenbroker.credential;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.tls.CaBundle;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenParams;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads one credential directory laid out as docs/configuration.md (Credentials) says. Problems name the file and what is
 * wrong with it, never its content.
 */
public final class CredentialLoader {

    /** Largest file read, so a mis-mounted volume cannot exhaust memory. */
    private static final long MAX_FILE_BYTES = 64 * 1024;
    /** Largest {@code ca_file}: a Kubernetes Secret holds at most 1 MiB. */
    private static final long MAX_CA_FILE_BYTES = 1024 * 1024;
    static final URI DEFAULT_TOKEN_URL = URI.create("https://ims-na1.adobelogin.com/ims/token/v3");

    /** The outcome of reading one directory. */
    public sealed interface Result permits Valid, Invalid {}

    public record Valid(Credential credential) implements Result {}

    /** {@code file} is the offending file's name; {@code problem} says what is wrong without quoting it. */
    public record Invalid(String name, String file, String problem) implements Result {
        public String describe() {
            return "file=" + file + " problem=\"" + problem + "\"";
        }
    }

    /** The default of {@code tokenbroker.upstream.max-token-lifetime}, for loaders made without the configuration. */
    private static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofDays(7);

    private final TokenUrls tokenUrls;
    private final Duration maxTokenLifetime;

    public CredentialLoader(TokenBrokerConfig config) {
        this(config.allowInsecureTokenUrl(), config.upstream().allowedHosts(), config.upstream().maxTokenLifetime());
    }

    public CredentialLoader(boolean allowInsecureTokenUrl) {
        this(allowInsecureTokenUrl, Optional.empty());
    }

    /**
     * {@code allowedHosts}: when present, the only hosts a {@code token_url} may name ({@code *.example.com}: any
     * name under {@code example.com}), so that whoever may patch a credential's Secret but not read it cannot point
     * the broker, and the secret it sends, elsewhere.
     */
    public CredentialLoader(boolean allowInsecureTokenUrl, Optional<List<String>> allowedHosts) {
        this(allowInsecureTokenUrl, allowedHosts, DEFAULT_MAX_TOKEN_LIFETIME);
    }

    /** {@code maxTokenLifetime}: the longest {@code default_lifetime} accepted. */
    public CredentialLoader(boolean allowInsecureTokenUrl, Optional<List<String>> allowedHosts, Duration maxTokenLifetime) {
        this.maxTokenLifetime = maxTokenLifetime;
        this.tokenUrls = new TokenUrls(allowInsecureTokenUrl, allowedHosts);
    }

    public Result load(String name, Path dir) {
        try {
            return new Valid(read(name, snapshotOf(dir), null));
        } catch (InvalidFile e) {
            return new Invalid(name, e.file, e.getMessage());
        }
    }

    /**
     * Every problem of the credential in {@code dir}, not only the first, which is the one {@link #load} reports
     * (for {@code check}); empty when it loads.
     */
    public List<Invalid> problems(String name, Path dir) {
        List<InvalidFile> found = new ArrayList<>();
        try {
            read(name, snapshotOf(dir), found);
        } catch (InvalidFile e) {
            found.add(e);
        }
        return found.stream().map(e -> new Invalid(name, e.file, e.getMessage())).toList();
    }

    /**
     * {@code step}'s value; when {@code found} is not null (collecting for {@link #problems}) a problem is added to it
     * and {@code otherwise} is the value, so that the checks after it still run.
     */
    private static <T> T checked(List<InvalidFile> found, Supplier<T> step, T otherwise) {
        if (found == null) {
            return step.get();
        }
        try {
            return step.get();
        } catch (InvalidFile e) {
            found.add(e);
            return otherwise;
        }
    }

    /**
     * Kubernetes swaps a {@code ..data} symlink to publish a new version atomically; reading every file
     * through its target gives one consistent version even during a swap.
     */
    private static Path snapshotOf(Path dir) {
        Path data = dir.resolve("..data");
        try {
            return Files.isDirectory(data) ? data.toRealPath() : dir;
        } catch (IOException e) {
            return dir;
        }
    }

    /** The credential; {@code found} null: the first problem is thrown, else each is added to it (null answered then). */
    private Credential read(String name, Path dir, List<InvalidFile> found) {
        String clientId = checked(found, () -> {
            String id = required(dir, "client_id");
            if (id.length() > 256 || hasControl(id)) {
                throw new InvalidFile("client_id", "longer than 256 characters or holds control characters");
            }
            return id;
        }, null);
        ScopeSet scopes = checked(found, () -> scopes(dir, "scopes")
                .orElseThrow(() -> new InvalidFile("scopes", "missing or empty")), null);
        Optional<ScopeSet> namedDefaults = checked(found, () -> scopes(dir, "default_scopes"), Optional.empty());
        ScopeSet defaults = namedDefaults.orElse(scopes);
        checked(found, () -> {
            if (scopes != null && !scopes.containsAll(defaults)) {
                throw new InvalidFile("default_scopes", "names scopes that are not in scopes");
            }
            return null;
        }, null);
        URI tokenUrl = checked(found, () -> {
            URI url = optional(dir, "token_url").map(tokenUrls::tokenUrl).orElse(DEFAULT_TOKEN_URL);
            if (!tokenUrls.allowed(url.getHost())) {
                throw new InvalidFile("token_url", "names a host that tokenbroker.upstream.allowed-hosts does not list"
                        + (optional(dir, "token_url").isEmpty() ? " (the default, Adobe IMS)" : ""));
            }
            return url;
        }, DEFAULT_TOKEN_URL);
        AuthMethod authMethod = checked(found, () -> optional(dir, "auth_method")
                .map(v -> AuthMethod.of(v).orElseThrow(() ->
                        new InvalidFile("auth_method", "must be client_secret_post, client_secret_basic, "
                                + "private_key_jwt, tls_client_auth or federated")))
                .orElse(AuthMethod.CLIENT_SECRET_POST), AuthMethod.CLIENT_SECRET_POST);
        ClientAuth clientAuth = checked(found, () -> clientAuth(dir, authMethod, tokenUrl), null);
        ScopeSeparator separator = checked(found, () -> optional(dir, "scope_separator")
                .map(v -> ScopeSeparator.of(v).orElseThrow(() ->
                        new InvalidFile("scope_separator", "must be comma or space")))
                .orElse(ScopeSeparator.COMMA), ScopeSeparator.COMMA);
        Optional<String> orgId = checked(found, () -> informative(dir, "org_id"), Optional.empty());
        Optional<String> technicalAccountId = checked(found, () -> informative(dir, "technical_account_id"), Optional.empty());
        Optional<CaBundle> caBundle = checked(found, () -> caBundle(dir), Optional.empty());
        TokenParams tokenParams = checked(found, () -> tokenParams(dir), TokenParams.NONE);
        Optional<Duration> defaultLifetime = checked(found, () -> defaultLifetime(dir), Optional.empty());
        if (found != null && !found.isEmpty()) {
            return null;
        }
        return new Credential(name, clientId, clientAuth, scopes, defaults, tokenUrl, separator, orgId,
                technicalAccountId, caBundle, tokenParams, defaultLifetime);
    }

    private static TokenParams tokenParams(Path dir) {
        try {
            return optional(dir, "token_params").map(TokenParams::parse).orElse(TokenParams.NONE);
        } catch (IllegalArgumentException e) {
            throw new InvalidFile("token_params", e.getMessage());
        }
    }

    private Optional<Duration> defaultLifetime(Path dir) {
        try {
            return optional(dir, "default_lifetime").map(v -> DefaultLifetime.parse(v, maxTokenLifetime));
        } catch (IllegalArgumentException e) {
            throw new InvalidFile("default_lifetime", e.getMessage());
        }
    }

    private static ClientAuth clientAuth(Path dir, AuthMethod method, URI tokenUrl) {
        return switch (method) {
            case CLIENT_SECRET_POST, CLIENT_SECRET_BASIC -> new ClientAuth.ClientSecret(method,
                    new Secret(required(dir, "client_secret")), optional(dir, "client_secret_next").map(Secret::new));
            case PRIVATE_KEY_JWT -> {
                ClientKey key = clientKey(dir, false);
                yield new ClientAuth.PrivateKeyJwt(key, informative(dir, "key_id"),
                        informative(dir, "assertion_audience").orElse(tokenUrl.toString()));
            }
            case TLS_CLIENT_AUTH -> new ClientAuth.TlsClientAuth(clientKey(dir, true));
            case FEDERATED -> federated(required(dir, "federated_token_file"));
        };
    }

    /** The token file must hold a usable JWT now; it is read again for every token request. */
    private static ClientAuth.Federated federated(String path) {
        try {
            return FederatedToken.check(path, java.time.Instant.now());
        } catch (FederatedToken.Unusable e) {
            throw new InvalidFile("federated_token_file", e.getMessage());
        }
    }

    /** {@code private_key} and {@code certificate}, or a {@code kubernetes.io/tls} Secret's {@code tls.key}, {@code tls.crt}. */
    private static ClientKey clientKey(Path dir, boolean certificateRequired) {
        String keyFile = Files.exists(dir.resolve("private_key")) ? "private_key" : "tls.key";
        String certificateFile = Files.exists(dir.resolve("certificate")) ? "certificate" : "tls.crt";
        String key = optional(dir, keyFile).orElseThrow(() -> new InvalidFile("private_key", "missing or empty"));
        Optional<String> chain = optional(dir, certificateFile, MAX_CA_FILE_BYTES);
        if (certificateRequired && chain.isEmpty()) {
            throw new InvalidFile("certificate", "missing or empty; tls_client_auth presents it");
        }
        try {
            return PemReader.clientKey(key, chain);
        } catch (PemReader.InvalidKeyMaterial e) {
            throw new InvalidFile(e.inCertificate() ? certificateFile : keyFile, e.getMessage());
        }
    }

    private static Optional<CaBundle> caBundle(Path dir) {
        Optional<String> pem = optional(dir, "ca_file", MAX_CA_FILE_BYTES);
        if (pem.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(CaBundle.parse(pem.get()));
        } catch (CaBundle.InvalidCaBundle e) {
            throw new InvalidFile("ca_file", e.getMessage());
        }
    }

    private static Optional<ScopeSet> scopes(Path dir, String file) {
        try {
            return optional(dir, file).map(ScopeSet::parse).filter(s -> !s.isEmpty());
        } catch (TokenException e) {
            throw new InvalidFile(file, "holds an invalid scope or too many scopes");
        }
    }

    private static Optional<String> informative(Path dir, String file) {
        Optional<String> value = optional(dir, file);
        if (value.isPresent() && (value.get().length() > 256 || hasControl(value.get()))) {
            throw new InvalidFile(file, "longer than 256 characters or holds control characters");
        }
        return value;
    }

    private static String required(Path dir, String file) {
        return optional(dir, file).orElseThrow(() -> new InvalidFile(file, "missing or empty"));
    }

    private static Optional<String> optional(Path dir, String file) {
        return optional(dir, file, MAX_FILE_BYTES);
    }

    private static Optional<String> optional(Path dir, String file, long maxBytes) {
        Path path = dir.resolve(file);
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        try {
            if (!Files.isRegularFile(path) || Files.size(path) > maxBytes) {
                throw new InvalidFile(file, "not a regular file, or larger than " + maxBytes / 1024 + " KiB");
            }
            String value = StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path)))
                    .toString()
                    .strip();
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        } catch (CharacterCodingException e) {
            throw new InvalidFile(file, "is not valid UTF-8");
        } catch (IOException e) {
            throw new InvalidFile(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static boolean hasControl(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }

    /** A file that fails validation; the message describes the fault, never the content. */
    static final class InvalidFile extends RuntimeException {
        private final String file;

        InvalidFile(String file, String problem) {
            super(problem, null, false, false);
            this.file = file;
        }
    }
}
