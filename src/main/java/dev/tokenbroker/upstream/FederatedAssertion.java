package dev.tokenbroker.upstream;

import dev.tokenbroker.credential.FederatedToken;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code federated} (RFC 7523 2.2): the JWT of {@code federated_token_file}, usually the broker's projected
 * ServiceAccount token with the provider's audience, is the client assertion, read anew for every attempt because the
 * kubelet renews it in place. The broker signs nothing and holds no secret; the token lives only in this request.
 * A file that cannot be used now fails the mint with {@link Unusable}, without a call.
 */
record FederatedAssertion(String credential, String clientId, Path tokenFile, Clock clock) implements ClientAuthenticator {

    /** The {@link UpstreamUnavailableException#reason()} of a token file that cannot be used now. */
    static final String UNUSABLE = "federated_token_unusable";

    @Override
    public Authentication authenticate() {
        String token;
        try {
            token = FederatedToken.read(tokenFile, clock.instant());
        } catch (FederatedToken.Unusable e) {
            throw new Unusable(credential, tokenFile, e.getMessage());
        }
        return new Authentication(Map.of("client_id", clientId, "client_assertion_type", ClientAssertion.ASSERTION_TYPE,
                "client_assertion", token), Optional.empty(), Optional.empty(), List.of(token));
    }

    @Override
    public String toString() {
        return "FederatedAssertion[" + credential + ", " + tokenFile + "]";
    }

    /**
     * The token file cannot be used for this mint (expired, gone, not a JWT): a 503 that says why, not retried within
     * the mint and not held against the host, since the provider was never asked. The kubelet renewing the file, or
     * the operator fixing its projection, ends it.
     */
    static final class Unusable extends UpstreamUnavailableException {
        private final transient Path file;
        private final String problem;

        Unusable(String credential, Path file, String problem) {
            super(UNUSABLE, "Credential " + credential + " cannot authenticate to its identity provider now: its "
                    + "federated token file " + problem + ". Try again later.", Optional.empty());
            this.file = file;
            this.problem = problem;
        }

        Path file() {
            return file;
        }

        String problem() {
            return problem;
        }
    }
}
