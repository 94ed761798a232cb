package dev.tokenbroker.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.Token;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a token endpoint's answer into a {@link Token} or an upstream exception (RFC 6749 5.1 and 5.2). Only a
 * bounded answer is believed: a body of at most {@value #MAX_BODY_BYTES} bytes (read as a stream, never further),
 * a JSON object whose {@code access_token} is a string of at most {@value #MAX_ACCESS_TOKEN_CHARS} characters,
 * {@code token_type} Bearer in any case (required, as RFC 6749 says and IMS always sends it), {@code expires_in}
 * above 0 and at most {@code tokenbroker.upstream.max-token-lifetime}, and a lifetime ({@link TokenLifetime}: the
 * earliest of {@code expires_in} and a JWT's {@code exp}, or the credential's {@code default_lifetime}) within the
 * same bounds. Every answer's {@code Date} feeds the endpoint's {@link ClockOffsets}. Anything else, and any 3xx or 2xx
 * other than 200, is a malformed answer ({@code invalid_response}). No log line quotes the body beyond an RFC 6749
 * error code and the {@code error_description} (with the secret redacted).
 */
@ApplicationScoped
class TokenResponseReader {

    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_ACCESS_TOKEN_CHARS = 16 * 1024;

    /** RFC 6749 5.2: the only {@code error} values echoed to callers and logs; any other is {@code http_<status>}. */
    static final Set<String> RFC6749_ERRORS = Set.of("invalid_request", "invalid_client", "invalid_grant",
            "unauthorized_client", "unsupported_grant_type", "invalid_scope");

    private final ObjectMapper json;
    private final Clock clock;
    private final Duration maxLifetime;
    private final ClockOffsets offsets;

    TokenResponseReader(ObjectMapper json, Clock clock, TokenBrokerConfig config, ClockOffsets offsets) {
        this.json = json;
        this.clock = clock;
        this.maxLifetime = config.upstream().maxTokenLifetime();
        this.offsets = offsets;
    }

    /** The token of a 200, or the exception its status and body call for; the response stays the caller's to close. */
    Token read(Credential credential, ClientAuthenticator.Authentication authentication, Response response) {
        Instant arrival = clock.instant();
        Optional<Duration> offset = offsets.observe(credential, response.getHeaderString("Date"), arrival);
        int status = response.getStatus();
        String debugId = Optional.ofNullable(response.getHeaderString("X-Debug-Id")).map(TokenResponseReader::printable).orElse("-");
        if (status != 200 && status < 400) {
            throw malformed(credential, status, debugId, status >= 300 && status < 400
                    ? "redirect, not followed" : "status other than 200");
        }
        Optional<JsonNode> body;
        try {
            body = body(response);
        } catch (IOException | ProcessingException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new UncheckedIOException(new InterruptedIOException()); // the guard's timeout; it counts this attempt
            }
            Log.warnf("event=upstream_failed credential=%s host=%s reason=io_error cause=body_unreadable status=%d "
                    + "exception=%s debug_id=%s", credential.name(), HostGuards.hostOf(credential.tokenUrl()), status,
                    e.getClass().getSimpleName(), debugId);
            throw new UpstreamUnavailableException("io_error", Optional.empty());
        }
        if (status == 200) {
            JsonNode answer = body.orElseThrow(() -> malformed(credential, status, debugId,
                    "body not a JSON object of at most " + MAX_BODY_BYTES + " bytes"));
            return token(credential, answer, debugId, arrival, offset);
        }
        JsonNode answer = body.orElseGet(json::createObjectNode);
        String error = errorCode(answer, status);
        if (status == 429 || status >= 500) {
            String reason = status == 429 ? "rate_limited" : "server_error";
            Optional<Duration> retryAfter = retryAfter(response.getHeaderString("Retry-After"));
            Log.warnf("event=upstream_unavailable credential=%s host=%s cause=status status=%d error=%s retry_after=%s "
                    + "debug_id=%s", credential.name(), HostGuards.hostOf(credential.tokenUrl()), status, error,
                    retryAfter.map(Duration::toSeconds).orElse(null), debugId);
            throw new UpstreamUnavailableException(reason, retryAfter);
        }
        String description = answer.path("error_description").isTextual()
                ? printable(answer.path("error_description").asText().transform(authentication::redact)) : "";
        Log.warnf("event=upstream_rejected credential=%s host=%s status=%d error=%s error_description=\"%s\" debug_id=%s",
                credential.name(), HostGuards.hostOf(credential.tokenUrl()), status, error, description, debugId);
        throw new UpstreamRejectedException(credential.name(), error);
    }

    private Token token(Credential credential, JsonNode answer, String debugId, Instant arrival,
            Optional<Duration> offset) {
        JsonNode accessToken = answer.path("access_token");
        if (!accessToken.isTextual() || accessToken.asText().isBlank()) {
            throw malformed(credential, 200, debugId, "access_token missing");
        }
        if (accessToken.asText().length() > MAX_ACCESS_TOKEN_CHARS) {
            throw malformed(credential, 200, debugId, "access_token longer than " + MAX_ACCESS_TOKEN_CHARS + " characters");
        }
        if (!answer.path("token_type").isTextual() || !answer.path("token_type").asText().equalsIgnoreCase("bearer")) {
            throw malformed(credential, 200, debugId, "token_type missing or not Bearer");
        }
        JsonNode expiresInNode = answer.path("expires_in");
        Optional<Long> expiresIn = seconds(expiresInNode);
        if (expiresIn.isEmpty() && !expiresInNode.isMissingNode() && !expiresInNode.isNull()) {
            throw malformed(credential, 200, debugId, "expires_in not a whole number of seconds");
        }
        if (expiresIn.isPresent() && (expiresIn.get() <= 0 || expiresIn.get() > maxLifetime.toSeconds())) {
            throw malformed(credential, 200, debugId, "expires_in " + expiresIn.get()
                    + " not within 1.." + maxLifetime.toSeconds() + " (tokenbroker.upstream.max-token-lifetime)");
        }
        TokenLifetime.Expiry expiry = TokenLifetime.expiry(arrival, expiresIn, accessToken.asText(), offset,
                credential.defaultLifetime()).orElseThrow(() -> malformed(credential, 200, debugId,
                "expires_in missing, and neither a JWT exp nor the credential's default_lifetime stands in"));
        Duration lifetime = Duration.between(arrival, expiry.at());
        if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(maxLifetime) > 0) {
            throw malformed(credential, 200, debugId, "lifetime " + lifetime.toSeconds() + " s (" + expiry.source()
                    + ") not within 1.." + maxLifetime.toSeconds() + " (tokenbroker.upstream.max-token-lifetime)");
        }
        if (!expiry.source().equals("expires_in")) {
            Log.debugf("event=upstream_token_lifetime credential=%s source=%s seconds=%d", credential.name(),
                    expiry.source(), lifetime.toSeconds());
        }
        return new Token(accessToken.asText(), "Bearer", arrival, expiry.at());
    }

    /** An integral number of seconds, as a JSON number or (as some providers send it) a string of digits. */
    private static Optional<Long> seconds(JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return Optional.of(value.asLong());
        }
        if (value.isTextual() && value.asText().matches("[0-9]{1,18}")) {
            return Optional.of(Long.parseLong(value.asText()));
        }
        return Optional.empty();
    }

    private UpstreamUnavailableException malformed(Credential credential, int status, String debugId, String problem) {
        Log.warnf("event=upstream_invalid_response credential=%s host=%s status=%d problem=\"%s\" debug_id=%s",
                credential.name(), HostGuards.hostOf(credential.tokenUrl()), status, problem, debugId);
        return new UpstreamUnavailableException("invalid_response", Optional.empty());
    }

    /**
     * The body as a JSON object, read up to {@value #MAX_BODY_BYTES} bytes; empty when it is larger, not JSON or
     * not an object. Reading stops at the limit: the rest is never fetched into memory.
     */
    private Optional<JsonNode> body(Response response) throws IOException {
        if (!response.hasEntity()) {
            return Optional.empty();
        }
        byte[] bytes;
        try (InputStream in = response.readEntity(InputStream.class)) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(json.readTree(bytes)).filter(JsonNode::isObject);
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    /** The RFC 6749 {@code error} of an error answer when it is one of the standard codes, else {@code http_<status>}. */
    static String errorCode(JsonNode answer, int status) {
        String error = answer.path("error").asText("");
        return RFC6749_ERRORS.contains(error) ? error : "http_" + status;
    }

    /** {@code Retry-After} as seconds or an HTTP date. */
    static Optional<Duration> retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(Duration.between(Instant.now(), at)).filter(d -> !d.isNegative());
            } catch (RuntimeException notDate) {
                return Optional.empty();
            }
        }
    }

    /** Upstream text made safe for one log line: printable ASCII, at most 200 characters. */
    static String printable(String value) {
        String clean = value.replaceAll("[^\\x20-\\x7E]", "?").replace('"', '\'');
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }
}
