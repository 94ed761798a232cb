package dev.tokenbroker.oauth;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An RFC 6749 section 5.2 error, as the OAuth and IMS surfaces answer it: {@code {"error", "error_description"}}.
 * The description is written here, never taken from a secret, a key, a token or an upstream body.
 */
public record OAuthError(String error, @JsonProperty("error_description") String errorDescription) {

    static final String INVALID_REQUEST = "invalid_request";
    static final String INVALID_CLIENT = "invalid_client";
    static final String INVALID_GRANT = "invalid_grant";
    static final String INVALID_SCOPE = "invalid_scope";
    static final String UNAUTHORIZED_CLIENT = "unauthorized_client";
    /** RFC 8693 2.2.2: the resource or audience of a token exchange is not acceptable. */
    static final String INVALID_TARGET = "invalid_target";
    static final String UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type";
    static final String TEMPORARILY_UNAVAILABLE = "temporarily_unavailable";
    static final String SERVER_ERROR = "server_error";

    /** A request refused by an OAuth surface itself, before the token path saw it. */
    static final class Refused extends RuntimeException {
        final String error;

        Refused(String error, String description) {
            super(description, null, false, false);
            this.error = error;
        }
    }

    static Refused invalidRequest(String description) {
        return new Refused(INVALID_REQUEST, description);
    }
}
