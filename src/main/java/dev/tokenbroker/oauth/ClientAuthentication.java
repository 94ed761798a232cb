package dev.tokenbroker.oauth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * How a client proved itself on a token request: {@code client_secret_basic}, {@code client_secret_post} (the secret
 * is the caller's static key) or an RFC 7523 client assertion (the caller's projected ServiceAccount token). Either
 * way the proof reaches the token path as the bearer value that {@code GET /tokens} would have carried, so it is
 * checked exactly as there.
 *
 * @param authorization the proof as {@code Authorization} header values ({@code Bearer <key or JWT>})
 * @param clientId      the {@code client_id}: the credential's name or its configured client id
 */
record ClientAuthentication(List<String> authorization, String clientId) {

    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /** The one client authentication of this request; several, or none, are refused. */
    static ClientAuthentication of(List<String> header, TokenForm.Parameters form) {
        if (header != null && header.size() > 1) {
            throw OAuthError.invalidRequest("The Authorization header may appear only once.");
        }
        Optional<String> authorization = header == null || header.isEmpty() ? Optional.empty() : Optional.of(header.get(0));
        boolean post = form.optional("client_secret").isPresent();
        boolean assertion = form.optional("client_assertion").isPresent() || form.optional("client_assertion_type").isPresent();
        if ((authorization.isPresent() ? 1 : 0) + (post ? 1 : 0) + (assertion ? 1 : 0) > 1) {
            throw OAuthError.invalidRequest("Use exactly one client authentication method.");
        }
        if (authorization.isPresent()) {
            return basic(authorization.get(), form);
        }
        if (post) {
            return new ClientAuthentication(bearer(form.required("client_secret")), form.required("client_id"));
        }
        if (assertion) {
            if (!JWT_BEARER.equals(form.required("client_assertion_type"))) {
                throw OAuthError.invalidRequest("client_assertion_type must be " + JWT_BEARER + ".");
            }
            return new ClientAuthentication(bearer(form.required("client_assertion")), form.required("client_id"));
        }
        throw new OAuthError.Refused(OAuthError.INVALID_CLIENT, "Client authentication is required.");
    }

    /** Whether the request carries any client authentication (token exchange takes none). */
    static boolean present(List<String> header, TokenForm.Parameters form) {
        return (header != null && !header.isEmpty()) || form.optional("client_secret").isPresent()
                || form.optional("client_assertion").isPresent();
    }

    /** RFC 6749 section 2.3.1: {@code Basic base64(urlencode(client_id) ":" urlencode(client_secret))}. */
    private static ClientAuthentication basic(String authorization, TokenForm.Parameters form) {
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw new OAuthError.Refused(OAuthError.INVALID_CLIENT, "Client authentication must use the Basic scheme.");
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new OAuthError.Refused(OAuthError.INVALID_CLIENT, "The Basic credentials are malformed.");
        }
        int colon = pair.indexOf(':');
        if (colon < 1) {
            throw new OAuthError.Refused(OAuthError.INVALID_CLIENT, "The Basic credentials are malformed.");
        }
        String clientId = formDecoded(pair.substring(0, colon));
        if (form.optional("client_id").filter(id -> !id.equals(clientId)).isPresent()) {
            throw OAuthError.invalidRequest("client_id in the form differs from the one in the Authorization header.");
        }
        return new ClientAuthentication(bearer(formDecoded(pair.substring(colon + 1))), clientId);
    }

    private static String formDecoded(String value) {
        try {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new OAuthError.Refused(OAuthError.INVALID_CLIENT, "The Basic credentials are malformed.");
        }
    }

    private static List<String> bearer(String proof) {
        return List.of("Bearer " + proof);
    }
}
