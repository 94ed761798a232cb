package dev.tokenbroker.oauth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestForm;

/**
 * The parameters of a token request, each with all its values: a multipart form as the framework read it (IMS paths),
 * or an urlencoded body read by {@link #parse} (so that a malformed one is an RFC 6749 error, not a framework one).
 * RFC 6749 section 3.2: a parameter may appear at most once, so {@link Parameters#of} refuses any that repeats.
 */
public class TokenForm {

    @RestForm("grant_type")
    List<String> grantType;
    @RestForm("client_id")
    List<String> clientId;
    @RestForm("client_secret")
    List<String> clientSecret;
    @RestForm("client_assertion_type")
    List<String> clientAssertionType;
    @RestForm("client_assertion")
    List<String> clientAssertion;
    @RestForm("scope")
    List<String> scope;
    @RestForm("min_ttl")
    List<String> minTtl;
    @RestForm("subject_token")
    List<String> subjectToken;
    @RestForm("subject_token_type")
    List<String> subjectTokenType;
    @RestForm("requested_token_type")
    List<String> requestedTokenType;
    @RestForm("resource")
    List<String> resource;
    @RestForm("audience")
    List<String> audience;
    @RestForm("org_id")
    List<String> orgId;

    /** The parameters that were sent, once each; {@code invalid_request} if one was sent more than once. */
    Parameters checked() {
        Map<String, List<String>> all = new LinkedHashMap<>();
        all.put("grant_type", grantType);
        all.put("client_id", clientId);
        all.put("client_secret", clientSecret);
        all.put("client_assertion_type", clientAssertionType);
        all.put("client_assertion", clientAssertion);
        all.put("scope", scope);
        all.put("min_ttl", minTtl);
        all.put("subject_token", subjectToken);
        all.put("subject_token_type", subjectTokenType);
        all.put("requested_token_type", requestedTokenType);
        all.put("resource", resource);
        all.put("audience", audience);
        all.put("org_id", orgId);
        return Parameters.of(all);
    }

    /** An {@code application/x-www-form-urlencoded} body; {@code invalid_request} if it is malformed. */
    static Parameters parse(String body) {
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decoded(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decoded(pair.substring(equals + 1));
            all.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return Parameters.of(all);
    }

    private static String decoded(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthError.invalidRequest("The form is not valid application/x-www-form-urlencoded.");
        }
    }

    /** Parameters sent once each; an empty value counts as absent (RFC 6749 section 3.1). */
    record Parameters(Map<String, String> values) {

        /** Each parameter's only value; {@code invalid_request} if one was sent more than once. */
        static Parameters of(Map<String, List<String>> all) {
            Map<String, String> once = new LinkedHashMap<>();
            all.forEach((name, values) -> {
                if (values != null && values.size() > 1) {
                    throw OAuthError.invalidRequest("The " + name.replaceAll("[^a-z_]", "?") + " parameter may appear only once.");
                }
                if (values != null && values.size() == 1) {
                    once.put(name, values.get(0));
                }
            });
            return new Parameters(once);
        }

        Optional<String> optional(String name) {
            return Optional.ofNullable(values.get(name)).filter(v -> !v.isEmpty());
        }

        String required(String name) {
            return optional(name).orElseThrow(() -> OAuthError.invalidRequest("The " + name + " parameter is required."));
        }

        /** The value as the token path takes it: absent, or one value. */
        List<String> list(String name) {
            return optional(name).map(List::of).orElse(null);
        }
    }
}
