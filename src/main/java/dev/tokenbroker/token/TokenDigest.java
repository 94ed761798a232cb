package dev.tokenbroker.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The hex SHA-256 of an access token: how a caller names a token an API refused ({@code rejected} on
 * {@code GET /tokens}) and how replicas name it to each other, so that no token travels in a URL, a log line or an
 * event. Lowercase; {@link #parse} also takes uppercase.
 */
public final class TokenDigest {

    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    private TokenDigest() {}

    /** The lowercase hex SHA-256 of the token's UTF-8 bytes. */
    public static String of(String accessToken) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(accessToken.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Whether this is the token the digest names. */
    public static boolean names(String digest, Token token) {
        return token != null && of(token.accessToken()).equals(digest);
    }

    /** The {@code rejected} parameter as a lowercase digest; {@code invalid_request} unless once and 64 hex digits. */
    public static String parse(java.util.List<String> values) {
        if (values.size() != 1 || !HEX_SHA256.matcher(values.get(0)).matches()) {
            throw TokenException.invalidRequest("rejected must appear once, as the hex SHA-256 of the refused access token.");
        }
        return values.get(0).toLowerCase(Locale.ROOT);
    }

    /** The first 12 hex digits, for log lines (as short as a fingerprint, and what a caller can match its own digest with). */
    public static String shortened(String digest) {
        return digest.substring(0, 12);
    }
}
