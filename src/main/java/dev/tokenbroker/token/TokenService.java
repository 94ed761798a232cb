package dev.tokenbroker.token;

import dev.tokenbroker.cache.CacheKeys;
import dev.tokenbroker.cache.LocalTokenCache;
import dev.tokenbroker.cache.RedisTokenStore;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialDropped;
import dev.tokenbroker.problem.ProblemException;
import dev.tokenbroker.upstream.UpstreamTokenClient;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one path every token takes: the in-process tier, then Redis; on a miss, one mint per key in this
 * process (others wait for it), looking again first; the result is written to both tiers.
 */
@ApplicationScoped
public class TokenService {

    /** Which tier answered a request. */
    public enum Tier {
        MEMORY, REDIS, UPSTREAM;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A token and the tier it came from. */
    public record Served(Token token, Tier tier) {}

    private final LocalTokenCache local;
    private final RedisTokenStore shared;
    private final UpstreamTokenClient upstream;
    private final CacheKeys keys;
    private final Clock clock;
    private final Map<TokenKey, CompletableFuture<Token>> minting = new ConcurrentHashMap<>();

    TokenService(LocalTokenCache local, RedisTokenStore shared, UpstreamTokenClient upstream, CacheKeys keys, Clock clock) {
        this.local = local;
        this.shared = shared;
        this.upstream = upstream;
        this.keys = keys;
        this.clock = clock;
    }

    /** A token for this credential and scope set that stays valid at least {@code minTtl}. */
    public Served token(Credential credential, ScopeSet scopes, Duration minTtl) {
        TokenKey key = TokenKey.of(credential, scopes);
        Optional<Token> cached = cached(key, minTtl, Tier.MEMORY);
        if (cached.isPresent()) {
            return new Served(cached.get(), Tier.MEMORY);
        }
        cached = cached(key, minTtl, Tier.REDIS);
        if (cached.isPresent()) {
            local.put(key, cached.get());
            return new Served(cached.get(), Tier.REDIS);
        }
        return new Served(mintOnce(credential, key, minTtl), Tier.UPSTREAM);
    }

    /** Drops the tokens of a credential that was removed or now names another account. */
    void onDropped(@Observes CredentialDropped dropped) {
        local.dropCredential(dropped.name());
        shared.dropCredential(dropped.name());
    }

    /** A fingerprint of the token for log lines. */
    public String fingerprint(Token token) {
        return keys.fingerprint(token.accessToken());
    }

    private Optional<Token> cached(TokenKey key, Duration minTtl, Tier tier) {
        Optional<Token> token = tier == Tier.MEMORY ? local.get(key) : shared.get(key);
        token.ifPresent(t -> requireLifetime(t, minTtl));
        return token.filter(t -> t.lastsFor(minTtl, clock.instant()));
    }

    /** Single flight: the first request for a missing key mints; concurrent ones wait for its result. */
    private Token mintOnce(Credential credential, TokenKey key, Duration minTtl) {
        CompletableFuture<Token> mine = new CompletableFuture<>();
        CompletableFuture<Token> running = minting.putIfAbsent(key, mine);
        if (running != null) {
            Token token = await(running);
            requireLifetime(token, minTtl);
            return token;
        }
        try {
            Token token = lookAgain(key, minTtl).orElseGet(() -> mint(credential, key));
            mine.complete(token);
            requireLifetime(token, minTtl);
            return token;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            minting.remove(key, mine);
        }
    }

    /** Another request may have filled a tier between our miss and taking the flight. */
    private Optional<Token> lookAgain(TokenKey key, Duration minTtl) {
        Instant now = clock.instant();
        return local.get(key).filter(t -> t.lastsFor(minTtl, now))
                .or(() -> shared.get(key).filter(t -> t.lastsFor(minTtl, now)));
    }

    private Token mint(Credential credential, TokenKey key) {
        Token token = upstream.mint(credential, key.scopes());
        Log.infof("event=token_minted credential=%s scopes=\"%s\" expires_in=%d fingerprint=%s", credential.name(),
                key.scopes(), token.lifetime().toSeconds(), fingerprint(token));
        shared.put(key, token);
        local.put(key, token);
        return token;
    }

    private static Token await(CompletableFuture<Token> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** A {@code min_ttl} beyond what the identity provider grants can never be met. */
    private static void requireLifetime(Token token, Duration minTtl) {
        if (minTtl.compareTo(token.lifetime()) > 0) {
            throw ProblemException.invalidRequest("min_ttl is larger than the token lifetime the identity provider grants ("
                    + token.lifetime().toSeconds() + " s).");
        }
    }
}
