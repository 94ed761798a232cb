package dev.tokenbroker.credential;

import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.tls.CaBundle;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenParams;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

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

    /** An allowed-hosts entry: a host name, or {@code *.} and a domain. */
    private static final Pattern HOST_PATTERN = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    /** The default of {@code tokenbroker.upstream.max-token-lifetime}, for loaders made without the configuration. */
    private static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofDays(7);

    private final boolean allowInsecureTokenUrl;
    private final Optional<List<String>> allowedHosts;
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
        this.allowInsecureTokenUrl = allowInsecureTokenUrl;
        this.allowedHosts = allowedHosts.map(hosts -> hosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT))
                .filter(h -> !h.isEmpty()).toList());
        this.allowedHosts.orElse(List.of()).stream().filter(h -> !HOST_PATTERN.matcher(h).matches()).findFirst()
                .ifPresent(h -> {
                    throw new IllegalStateException("tokenbroker.upstream.allowed-hosts: \"" + h
                            + "\" is neither a host name nor *. and a domain");
                });
    }

    public Result load(String name, Path dir) {
        try {
            return new Valid(read(name, snapshotOf(dir)));
        } catch (InvalidFile e) {
            return new Invalid(name, e.file, e.getMessage());
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

    private Credential read(String name, Path dir) {
        String clientId = required(dir, "client_id");
        if (clientId.length() > 256 || hasControl(clientId)) {
            throw new InvalidFile("client_id", "longer than 256 characters or holds control characters");
        }
        ScopeSet scopes = scopes(dir, "scopes").orElseThrow(() -> new InvalidFile("scopes", "missing or empty"));
        ScopeSet defaults = scopes(dir, "default_scopes").orElse(scopes);
        if (!scopes.containsAll(defaults)) {
            throw new InvalidFile("default_scopes", "names scopes that are not in scopes");
        }
        URI tokenUrl = optional(dir, "token_url").map(this::tokenUrl).orElse(DEFAULT_TOKEN_URL);
        if (!allowed(tokenUrl.getHost())) {
            throw new InvalidFile("token_url", "names a host that tokenbroker.upstream.allowed-hosts does not list"
                    + (optional(dir, "token_url").isEmpty() ? " (the default, Adobe IMS)" : ""));
        }
        AuthMethod authMethod = optional(dir, "auth_method")
                .map(v -> AuthMethod.of(v).orElseThrow(() ->
                        new InvalidFile("auth_method", "must be client_secret_post, client_secret_basic, "
                                + "private_key_jwt or tls_client_auth")))
                .orElse(AuthMethod.CLIENT_SECRET_POST);
        ClientAuth clientAuth = clientAuth(dir, authMethod, tokenUrl);
        ScopeSeparator separator = optional(dir, "scope_separator")
                .map(v -> ScopeSeparator.of(v).orElseThrow(() ->
                        new InvalidFile("scope_separator", "must be comma or space")))
                .orElse(ScopeSeparator.COMMA);
        return new Credential(name, clientId, clientAuth, scopes, defaults, tokenUrl, separator,
                informative(dir, "org_id"), informative(dir, "technical_account_id"), caBundle(dir),
                tokenParams(dir), defaultLifetime(dir));
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
        };
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

    private URI tokenUrl(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new InvalidFile("token_url", "is not a URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new InvalidFile("token_url", "must be an absolute URL with a host and no user info or fragment");
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean http = "http".equalsIgnoreCase(uri.getScheme());
        if (!https && !(http && (allowInsecureTokenUrl || isLoopback(uri.getHost())))) {
            throw new InvalidFile("token_url",
                    "must be https (http only on loopback or with tokenbroker.allow-insecure-token-url=true)");
        }
        return uri;
    }

    private boolean allowed(String host) {
        if (allowedHosts.isEmpty()) {
            return true;
        }
        String name = host.toLowerCase(Locale.ROOT);
        return allowedHosts.get().stream().anyMatch(allowed -> allowed.startsWith("*.")
                ? name.endsWith(allowed.substring(1))
                : name.equals(allowed));
    }

    private static boolean isLoopback(String host) {
        if ("localhost".equalsIgnoreCase(host)) {
            return true;
        }
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // only literals: a name could resolve anywhere
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (IOException e) {
            return false;
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
    private static final class InvalidFile extends RuntimeException {
        private final String file;

        InvalidFile(String file, String problem) {
            super(problem, null, false, false);
            this.file = file;
        }
    }
}
