package dev.tokenbroker.testing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Credential files for the key methods ({@code private_key_jwt}, {@code tls_client_auth}), and what tests look
 * for to be sure that key material never reaches a log line.
 */
public final class ClientKeys {

    public static final String CLIENT_ID = "token-broker-client";

    private ClientKeys() {}

    /** A credential's files: client id, scopes, token URL, method, key and (if given) certificate and CA file. */
    public static Map<String, String> credential(String tokenUrl, String method, String keyPem, Optional<String> certificatePem,
            Optional<String> caFile) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("client_id", CLIENT_ID + "\n");
        files.put("scopes", "openid profile\n");
        files.put("default_scopes", "openid\n");
        files.put("token_url", tokenUrl + "\n");
        files.put("scope_separator", "space\n");
        files.put("auth_method", method + "\n");
        files.put("private_key", keyPem);
        certificatePem.ifPresent(pem -> files.put("certificate", pem));
        caFile.ifPresent(pem -> files.put("ca_file", pem));
        return files;
    }

    /** The base64 body lines of a PEM text: what would show if a key or certificate leaked. */
    public static List<String> pemBodyLines(String pem) {
        return Arrays.stream(pem.split("\n")).map(String::strip)
                .filter(line -> line.length() >= 16 && !line.startsWith("-----")).toList();
    }

    /** A form-encoded body as name to (last) value. */
    public static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            form.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return form;
    }
}
