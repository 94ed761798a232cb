package dev.tokenbroker.credential;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a credential's {@code token_url} may be: an absolute URL, {@code https} unless its host is a loopback literal or
 * {@code tokenbroker.allow-insecure-token-url} is on, and, when {@code tokenbroker.upstream.allowed-hosts} is set, one
 * of those hosts.
 */
final class TokenUrls {

    /** An allowed-hosts entry: a host name, or {@code *.} and a domain. */
    private static final Pattern HOST_PATTERN = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private final boolean allowInsecureTokenUrl;
    private final Optional<List<String>> allowedHosts;

    /** Refuses an allowed-hosts entry that is neither a host name nor {@code *.} and a domain. */
    TokenUrls(boolean allowInsecureTokenUrl, Optional<List<String>> allowedHosts) {
        this.allowInsecureTokenUrl = allowInsecureTokenUrl;
        this.allowedHosts = allowedHosts.map(hosts -> hosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT))
                .filter(h -> !h.isEmpty()).toList());
        this.allowedHosts.orElse(List.of()).stream().filter(h -> !HOST_PATTERN.matcher(h).matches()).findFirst()
                .ifPresent(h -> {
                    throw new IllegalStateException("tokenbroker.upstream.allowed-hosts: \"" + h
                            + "\" is neither a host name nor *. and a domain");
                });
    }

    URI tokenUrl(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new CredentialLoader.InvalidFile("token_url", "is not a URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new CredentialLoader.InvalidFile("token_url", "must be an absolute URL with a host and no user info or fragment");
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean http = "http".equalsIgnoreCase(uri.getScheme());
        if (!https && !(http && (allowInsecureTokenUrl || isLoopback(uri.getHost())))) {
            throw new CredentialLoader.InvalidFile("token_url",
                    "must be https (http only on loopback or with tokenbroker.allow-insecure-token-url=true)");
        }
        return uri;
    }

    boolean allowed(String host) {
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

}
