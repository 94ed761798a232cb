package dev.tokenbroker.broker;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.cache.RedisRejections;
import dev.tokenbroker.cache.RedisTokens;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.token.Rejection;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenDigest;
import dev.tokenbroker.token.TokenException;
import dev.tokenbroker.token.TokenKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reports of a token that an API refused ({@code rejected} on {@code GET /tokens}, {@code POST /oauth2/revoke}). The
 * current token of a key is Redis's, else this process's. A report of it drops it here, in Redis (only that token:
 * a replacement written meanwhile stays) and on every other replica ({@link RedisRejections}); then the next token
 * comes through the one mint path ({@link FleetMinter}), asked for a token that is not the reported one, so that
 * concurrent reports on any number of replicas join one mint, and a report that arrives after the replacement
 * finds it (as {@code not_current}). A token minted within {@code min-mint-interval} is kept, and so is any token
 * while the mint budget is spent. Blocks: for worker threads.
 */
@ApplicationScoped
class TokenReplacement {

    private final LocalTokenCache local;
    private final RedisTokens shared;
    private final RedisRejections rejections;
    private final FleetMinter minter;
    private final MintBudget budget;
    private final CacheKeys keys;
    private final MeterRegistry meters;

    TokenReplacement(LocalTokenCache local, RedisTokens shared, RedisRejections rejections, FleetMinter minter,
            MintBudget budget, CacheKeys keys, MeterRegistry meters) {
        this.local = local;
        this.shared = shared;
        this.rejections = rejections;
        this.minter = minter;
        this.budget = budget;
        this.keys = keys;
        this.meters = meters;
    }

    /** The token to answer a report with: the current one, or the one minted (or found) in place of the reported one. */
    TokenService.Served replace(Credential credential, TokenKey key, String digest, Predicate<Token> goodFor,
            Predicate<Token> fresh) {
        Token memory = local.get(key).orElse(null);
        Token stored = shared.get(key).await().indefinitely().orElse(null); // the read times itself out
        Token current = stored != null ? stored : memory;
        Rejection outcome = drop(credential, key, digest, current, fresh);
        Token reported = TokenDigest.names(digest, current) ? current : TokenDigest.names(digest, memory) ? memory : null;
        if (outcome == Rejection.TOO_FRESH && goodFor.test(current)) {
            return new TokenService.Served(current, stored != null ? TokenService.Tier.REDIS : TokenService.Tier.MEMORY,
                    outcome, reported);
        }
        Token token = minter.token(credential, key, t -> !TokenDigest.names(digest, t) && goodFor.test(t),
                MintReason.REJECTED);
        TokenService.Tier tier = token.equals(stored) ? TokenService.Tier.REDIS
                : token.equals(memory) ? TokenService.Tier.MEMORY : TokenService.Tier.UPSTREAM;
        return new TokenService.Served(token, tier, outcome, reported);
    }

    /**
     * A revocation: the credential's cached token that {@code digest} names is looked for in this process, then in
     * Redis; if the caller's grant covers its scope set ({@code permitted}), it is dropped as a report would drop it,
     * and the next request mints. Empty when the token was found but is not the caller's to drop.
     */
    Optional<TokenService.Report> revoke(Credential credential, String digest, Predicate<ScopeSet> permitted,
            Predicate<Token> fresh) {
        Optional<TokenKey> key = local.tokensOf(credential.name()).entrySet().stream()
                .filter(held -> TokenDigest.names(digest, held.getValue())).map(Map.Entry::getKey).findFirst();
        if (key.isEmpty()) {
            key = rejections.find(credential.name(), digest).flatMap(RedisRejections.Found::scopes).map(credential::tokenKey);
        }
        if (key.isEmpty()) {
            return Optional.of(new TokenService.Report(count(credential, Rejection.NOT_CURRENT), Optional.empty()));
        }
        if (!permitted.test(key.get().scopes())) {
            return Optional.empty();
        }
        Token memory = local.get(key.get()).orElse(null);
        Token current = shared.get(key.get()).await().indefinitely().orElse(memory);
        Optional<Token> reported = Optional.ofNullable(TokenDigest.names(digest, current) ? current : memory);
        return Optional.of(new TokenService.Report(drop(credential, key.get(), digest, current, fresh), reported));
    }

    /** Drops the current token if it is the reported one and may be replaced; what the report did, counted. */
    private Rejection drop(Credential credential, TokenKey key, String digest, Token current, Predicate<Token> fresh) {
        if (!TokenDigest.names(digest, current)) {
            local.dropIf(key, digest); // a copy here that Redis has replaced already
            return count(credential, Rejection.NOT_CURRENT);
        }
        if (fresh.test(current)) {
            return count(credential, Rejection.TOO_FRESH);
        }
        try {
            budget.check(credential.name());
        } catch (TokenException spent) {
            count(credential, Rejection.BUDGET_EXHAUSTED);
            throw spent;
        }
        boolean here = local.dropIf(key, digest);
        boolean there = rejections.drop(key, digest);
        if (here || there) { // else a concurrent report dropped it already, and told the fleet
            rejections.announce(credential.name(), digest);
            Log.infof("event=token_dropped credential=%s scopes=\"%s\" fingerprint=%s reason=rejected memory=%b redis=%b",
                    credential.name(), key.scopes(), keys.fingerprint(current.accessToken()), here, there);
        }
        return count(credential, Rejection.REPLACED);
    }

    private Rejection count(Credential credential, Rejection outcome) {
        meters.counter("tokenbroker.token.rejections", "credential", credential.name(), "result", outcome.tag()).increment();
        return outcome;
    }
}
