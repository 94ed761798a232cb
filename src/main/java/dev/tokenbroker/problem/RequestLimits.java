package dev.tokenbroker.problem;

import dev.tokenbroker.token.TokenException;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses oversized requests with a 400 {@code invalid_request} problem before any resource runs. The limits here
 * sit below the HTTP layer's own ({@code quarkus.http.limits.max-initial-line-length} and {@code max-header-size}
 * in application.properties), which Vert.x enforces with a bare 414 or 431 before the request reaches any code of
 * the broker; between the two, callers get a problem answer.
 */
public class RequestLimits {

    /** Longest request target (path and query) answered with a problem. */
    public static final int MAX_URI_LENGTH = 8192;
    /** Most bytes of header names and values answered with a problem. */
    public static final int MAX_HEADER_BYTES = 16384;

    @ServerRequestFilter(preMatching = true)
    public void limit(HttpServerRequest request) {
        if (request.uri().length() > MAX_URI_LENGTH) {
            throw TokenException.invalidRequest("The request target is longer than " + MAX_URI_LENGTH + " characters.");
        }
        int headerBytes = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            headerBytes += header.getKey().length() + header.getValue().length() + 4;
        }
        if (headerBytes > MAX_HEADER_BYTES) {
            throw TokenException.invalidRequest("The request headers are larger than " + MAX_HEADER_BYTES + " bytes.");
        }
    }
}
