package dev.tokenbroker.upstream;

import java.util.Optional;

/**
 * The token endpoint's certificate failed the checks (unknown CA, wrong host name, expired): callers get the
 * 503 of docs/api.md, since the provider cannot be reached safely, but retrying cannot help, and one credential's
 * wrong CA must not open the breaker that other credentials on the same host rely on.
 */
class UpstreamUntrustedException extends UpstreamUnavailableException {

    UpstreamUntrustedException() {
        super("untrusted_certificate", Optional.empty());
    }
}
