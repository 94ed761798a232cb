package dev.tokenbroker.upstream;

import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import java.time.Duration;
import java.util.Optional;

/** The identity provider could not give a token now (network error, untrusted certificate, timeout, 5xx, 429, open circuit). */
public class UpstreamUnavailableException extends TokenException {

    private final String reason;

    UpstreamUnavailableException(String reason, Optional<Duration> retryAfter) {
        this(reason, "The identity provider cannot be reached now (" + reason + "); try again later.", retryAfter);
    }

    /** {@code detail}: what callers are told, when the reason needs more words than the usual sentence. */
    UpstreamUnavailableException(String reason, String detail, Optional<Duration> retryAfter) {
        super(Refusal.UPSTREAM_UNAVAILABLE, detail, retryAfter);
        this.reason = reason;
    }

    /** {@code rate_limited}, {@code server_error}, {@code timeout}, {@code io_error}, {@code untrusted_certificate}, {@code circuit_open}, {@code invalid_response}, {@code federated_token_unusable}. */
    public String reason() {
        return reason;
    }

    public UpstreamUnavailableException withRetryAfter(Duration retryAfter) {
        return new UpstreamUnavailableException(reason, getMessage(), Optional.of(retryAfter));
    }
}
