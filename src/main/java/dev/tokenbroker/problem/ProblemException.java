package dev.tokenbroker.problem;

import java.time.Duration;
import java.util.Optional;

/**
 * A failure that reaches the caller as an RFC 9457 problem. Its message is the problem's {@code detail}
 * and is shown to callers, so it must never hold a secret, a caller key or a token.
 */
public class ProblemException extends RuntimeException {

    private final ProblemCode code;
    private final transient Optional<Duration> retryAfter;

    public ProblemException(ProblemCode code, String detail) {
        this(code, detail, Optional.empty());
    }

    public ProblemException(ProblemCode code, String detail, Optional<Duration> retryAfter) {
        super(detail, null, false, false);
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public ProblemCode code() {
        return code;
    }

    /** How long the caller should wait before trying again, for 503 answers. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    public static ProblemException invalidRequest(String detail) {
        return new ProblemException(ProblemCode.INVALID_REQUEST, detail);
    }
}
