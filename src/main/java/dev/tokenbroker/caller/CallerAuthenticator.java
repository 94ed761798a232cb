package dev.tokenbroker.caller;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns an {@code Authorization} header into a known caller, or a {@link CallerRejected} 401. Verifiers are tried
 * in {@code @Priority} order, highest first: static keys, then ServiceAccount tokens.
 */
@ApplicationScoped
public class CallerAuthenticator {

    /** Longest bearer value accepted; projected ServiceAccount tokens are well under this. */
    static final int MAX_BEARER_LENGTH = 8192;
    /** RFC 6750 2.1 b64token. */
    static final Pattern B64TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

    private final CallerPolicyStore policies;
    private final List<BearerVerifier> verifiers;

    CallerAuthenticator(CallerPolicyStore policies, Instance<BearerVerifier> verifiers) {
        this.policies = policies;
        this.verifiers = verifiers.stream().toList();
    }

    /** The caller that the request's {@code Authorization} header values (none, one, or several) prove. */
    public AuthenticatedCaller authenticate(List<String> authorization) {
        String bearer = bearer(authorization);
        CallerPolicy policy = policies.policy();
        for (BearerVerifier verifier : verifiers) {
            Optional<AuthenticatedCaller> caller;
            try {
                caller = verifier.verify(bearer, policy);
            } catch (CallerRejected rejected) {
                throw rejected.reason() == CallerRejected.Reason.UNKNOWN_SERVICE_ACCOUNT ? unlisted(rejected) : rejected;
            }
            if (caller.isPresent()) {
                return caller.get();
            }
        }
        if (bearer.length() < StaticKeyVerifier.MIN_KEY_LENGTH) {
            // no digest prefix: a key this short could be found again from one
            throw new CallerRejected(StaticKeyVerifier.METHOD, CallerRejected.Reason.SHORT_API_KEY);
        }
        byte[] digest = StaticKeyVerifier.sha256(bearer);
        CallerRejected.Who who = CallerRejected.Who.key(HexFormat.of().formatHex(digest, 0, 4));
        throw unlisted(new CallerRejected(StaticKeyVerifier.METHOD, CallerRejected.Reason.UNKNOWN_API_KEY, who),
                policies.unloaded().key(digest));
    }

    /** A ServiceAccount that is not listed, with the real reason when the file lists it but it was not loaded. */
    private CallerRejected unlisted(CallerRejected rejected) {
        CallerRejected.Who who = rejected.who();
        Optional<String> cluster = JwksStore.DEFAULT_CLUSTER.equals(who.cluster()) ? Optional.empty()
                : Optional.ofNullable(who.cluster());
        return unlisted(rejected, who.serviceAccount() == null ? Optional.empty()
                : policies.unloaded().account(new CallerPolicy.ClusterAccount(cluster, who.serviceAccount())));
    }

    /**
     * The refusal of a caller that the policy does not list, said truly: no policy loaded at all, or its entry (or
     * its file) not loaded for a problem, with where the entry is; else as it was.
     */
    private CallerRejected unlisted(CallerRejected rejected, Optional<UnloadedCallers.Unloaded> unloaded) {
        if (!policies.loaded()) {
            return new CallerRejected(rejected.method(), CallerRejected.Reason.CALLERS_NOT_LOADED, rejected.who());
        }
        return unloaded.map(why -> new CallerRejected(rejected.method(), why.reason(), rejected.who().at(why.entry())))
                .orElse(rejected);
    }

    /**
     * The caller, if the header proves one from memory alone (a static key, a remembered ServiceAccount token), so
     * that an event-loop thread may ask; empty when only {@link #authenticate} can tell. A malformed header is
     * refused here as there.
     */
    public Optional<AuthenticatedCaller> authenticateFromMemory(List<String> authorization) {
        String bearer = bearer(authorization);
        CallerPolicy policy = policies.policy();
        for (BearerVerifier verifier : verifiers) {
            Optional<AuthenticatedCaller> caller = verifier.verifyFromMemory(bearer, policy);
            if (caller.isPresent()) {
                return caller;
            }
        }
        return Optional.empty();
    }

    private static String bearer(List<String> authorization) {
        if (authorization != null && authorization.size() > 1) {
            throw new CallerRejected("-", CallerRejected.Reason.REPEATED_AUTHORIZATION);
        }
        return bearer(authorization == null || authorization.isEmpty() ? null : authorization.get(0))
                .orElseThrow(() -> new CallerRejected("-", CallerRejected.Reason.MISSING_BEARER));
    }

    private static Optional<String> bearer(String authorization) {
        if (authorization == null || authorization.length() > MAX_BEARER_LENGTH + 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String value = authorization.substring(7).strip();
        return B64TOKEN.matcher(value).matches() ? Optional.of(value) : Optional.empty();
    }
}
