package dev.tokenbroker.token;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The extra form parameters of a credential's token requests ({@code token_params}: {@code audience} for Auth0,
 * {@code resource} for RFC 8707 and Entra v1), in the order given, repeats kept. They are part of what a cached token
 * is for: two credentials that differ only here never share a token. {@code toString} shows names only, since values
 * may say more than an operator wants in a log line.
 */
public record TokenParams(List<Param> params) {

    /** Most parameters in one file. */
    public static final int MAX_PARAMS = 32;
    /** Longest value, after decoding. */
    public static final int MAX_VALUE_LENGTH = 2048;
    /** Names the broker sets itself; compared without regard to case. */
    public static final Set<String> RESERVED = Set.of("grant_type", "scope", "client_id", "client_secret",
            "client_assertion", "client_assertion_type");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._~:\\[\\]-]{1,128}");

    public static final TokenParams NONE = new TokenParams(List.of());

    /** One {@code name=value}, decoded. */
    public record Param(String name, String value) {
        @Override
        public String toString() {
            return name;
        }
    }

    public TokenParams {
        params = List.copyOf(params);
    }

    public boolean isEmpty() {
        return params.isEmpty();
    }

    /** The parameters form-encoded in their order ({@code a=1&b=2}): what the cache's key names are derived from. */
    public String canonical() {
        return params.stream().map(p -> encode(p.name()) + "=" + encode(p.value())).collect(Collectors.joining("&"));
    }

    /**
     * Reads a {@code token_params} file: one {@code name=value} a line, both URL-decoded ({@code +} is a space,
     * {@code %2B} a plus), surrounding white space and blank lines ignored.
     *
     * @throws IllegalArgumentException saying what is wrong and on which line, never quoting a value
     */
    public static TokenParams parse(String text) {
        List<Param> params = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int at = i + 1;
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("line " + at + " is not name=value");
            }
            String name = decode(line.substring(0, equals).strip(), at);
            String value = decode(line.substring(equals + 1).strip(), at);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("line " + at + ": the name must be 1 to 128 of A-Z a-z 0-9 . _ ~ : [ ] -");
            }
            if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("line " + at + " names " + name.toLowerCase(Locale.ROOT)
                        + ", which the broker sets itself");
            }
            if (value.length() > MAX_VALUE_LENGTH || value.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("line " + at + ": the value is longer than " + MAX_VALUE_LENGTH
                        + " characters or holds control characters");
            }
            params.add(new Param(name, value));
            if (params.size() > MAX_PARAMS) {
                throw new IllegalArgumentException("more than " + MAX_PARAMS + " parameters");
            }
        }
        return new TokenParams(params);
    }

    private static String decode(String raw, int line) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + line + " is not URL-encoded (a % without two hex digits)");
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "TokenParams" + params;
    }
}
