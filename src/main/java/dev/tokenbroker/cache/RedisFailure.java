package dev.tokenbroker.cache;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Why a Redis command failed, fit for a log line and the readiness details: the command, its {@link Kind}, and a
 * reason taken from the error (e.g. {@code NOPERM this user has no permissions to run the 'eval' command}), with
 * any password and URL user info blanked out.
 */
record RedisFailure(String command, Kind kind, String reason) {

    /** How Redis failed the broker. */
    enum Kind {
        /**
         * A wrong password or user, an ACL without the permission, a certificate the broker does not trust:
         * configuration that waiting will not fix.
         */
        REFUSED,
        /** No answer within {@code quarkus.redis.timeout}: a hung Redis or network, where every command would wait. */
        UNRESPONSIVE,
        /** Anything else, e.g. a connection refused: each command fails at once. */
        UNREACHABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final int MAX_REASON = 200;
    private static final Pattern USER_INFO = Pattern.compile("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]*@");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&\\s]*");
    /** Exceptions whose message says it all: Redis's own error replies, and Vert.x's plain failures. */
    private static final Set<String> BARE = Set.of("ErrorType", "RedisErrorReply",
            "NoStackTraceThrowable");
    private static final String[] REFUSALS = { "NOPERM", "NOAUTH", "WRONGPASS" };

    /** The failure of {@code command}; {@code secrets} (passwords) never appear in the reason. */
    static RedisFailure of(String command, Throwable failure, Collection<String> secrets) {
        boolean refused = false;
        boolean timedOut = false;
        Throwable root = failure;
        int depth = 0;
        for (Throwable t = failure; t != null && depth++ < 20; t = t.getCause()) {
            root = t;
            String message = t.getMessage() == null ? "" : t.getMessage().strip().toUpperCase(Locale.ROOT);
            for (String refusal : REFUSALS) {
                refused |= message.startsWith(refusal);
            }
            // A command that a Lua script may not run, or a key it may not touch, is an ERR, not a NOPERM.
            refused |= message.contains("THE USER EXECUTING THE SCRIPT CAN'T");
            refused |= t instanceof SSLException || t instanceof CertificateException;
            timedOut |= t instanceof TimeoutException || t instanceof io.smallrye.mutiny.TimeoutException;
        }
        Kind kind = refused ? Kind.REFUSED : timedOut ? Kind.UNRESPONSIVE : Kind.UNREACHABLE;
        return new RedisFailure(command, kind, describe(root, secrets));
    }

    /** The password setting and any password written into the hosts' URLs: what {@link #of} must blank out. */
    static Collection<String> passwords(Optional<String> hosts, Optional<String> password) {
        Collection<String> secrets = new LinkedHashSet<>();
        password.ifPresent(secrets::add);
        for (String host : hosts.map(h -> h.split(",")).orElse(new String[0])) {
            try {
                URI uri = URI.create(host.strip());
                if (uri.getRawUserInfo() != null && uri.getRawUserInfo().contains(":")) {
                    String raw = uri.getRawUserInfo().substring(uri.getRawUserInfo().indexOf(':') + 1);
                    secrets.add(raw);
                    secrets.add(URLDecoder.decode(raw, StandardCharsets.UTF_8));
                }
                if (uri.getRawQuery() != null) {
                    for (String parameter : uri.getRawQuery().split("&")) {
                        if (parameter.startsWith("password=")) {
                            String raw = parameter.substring("password=".length());
                            secrets.add(raw);
                            secrets.add(URLDecoder.decode(raw, StandardCharsets.UTF_8));
                        }
                    }
                }
            } catch (IllegalArgumentException unparseable) {
                secrets.add(host); // the client will refuse it anyway; never echo it
            }
        }
        secrets.removeIf(String::isEmpty);
        return List.copyOf(secrets);
    }

    boolean refused() {
        return kind == Kind.REFUSED;
    }

    /**
     * Whether the broker should stop asking Redis (but for purges) until a check passes: asking a Redis that refuses
     * or does not answer would only make requests wait, or half-work (a lock taken that cannot be released).
     */
    boolean stopsAsking() {
        return kind != Kind.UNREACHABLE;
    }

    /** As the readiness details show it: {@code "EVAL refused: NOPERM this user has no permissions ..."}. */
    String summary() {
        return command + " " + kind.tag() + ": " + reason;
    }

    private static String describe(Throwable root, Collection<String> secrets) {
        String message = root.getMessage() == null || root.getMessage().isBlank() ? root.getClass().getSimpleName()
                : BARE.contains(root.getClass().getSimpleName()) ? root.getMessage()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty()) {
                message = message.replace(secret, "***");
            }
        }
        message = USER_INFO.matcher(message).replaceAll("$1***@");
        message = PASSWORD_PARAMETER.matcher(message).replaceAll("$1***");
        message = message.replaceAll("[\\r\\n\\t]+", " ").replace('"', '\'').strip();
        return message.length() > MAX_REASON ? message.substring(0, MAX_REASON) + "…" : message;
    }
}
