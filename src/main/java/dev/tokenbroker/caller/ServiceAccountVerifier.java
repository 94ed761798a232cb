package dev.tokenbroker.caller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.tokenbroker.caller.CallerRejected.Reason;
import dev.tokenbroker.caller.TrustedClusters.TrustedCluster;
import dev.tokenbroker.config.TokenBrokerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises Kubernetes projected ServiceAccount tokens (docs/configuration.md, Callers), checked offline: {@code iss}
 * the issuer of a trusted cluster ({@link TrustedClusters}), signed with RS256 or ES256 by a key of that cluster's
 * JWKS, {@code aud} containing that cluster's audience, within {@code exp}/{@code nbf} give or take the clock skew, and {@code sub} a ServiceAccount, which
 * must be listed in the callers file for that cluster; its lifetime ({@code exp - iat}) must not exceed {@code max-token-lifetime},
 * so a stolen long-lived token is worth little. A verified token whose ServiceAccount is listed is remembered by its
 * SHA-256 until its {@code exp} (at most {@code remember-for}), together with its cluster, so its next calls cost a
 * hash and a map look-up, not a signature check; the policy is still consulted on every call. Anything shaped like a JWT that fails is a
 * 401 with one fixed detail; the reason goes to the audit line and the metric.
 */
@Startup
@ApplicationScoped
@Priority(10)
public class ServiceAccountVerifier implements BearerVerifier {

    /** The most clock skew that may be configured. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);
    static final String METHOD = "service-account";
    private static final Pattern SUBJECT = Pattern.compile(
            "system:serviceaccount:([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?):([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)");

    /** The reasons this verifier refuses a token for: those of a JWT, not of a static key or a header. */
    private static final Set<Reason> SERVICE_ACCOUNT_REASONS = EnumSet.complementOf(EnumSet.of(
            Reason.MISSING_BEARER, Reason.REPEATED_AUTHORIZATION, Reason.SHORT_API_KEY, Reason.UNKNOWN_API_KEY,
            Reason.CALLER_ENTRY_NOT_LOADED, Reason.CALLERS_FILE_NOT_LOADED, Reason.CALLERS_NOT_LOADED));

    /** What a verified token proved (a ServiceAccount of a cluster), and until when. */
    record Verified(TrustedCluster cluster, CallerPolicy.ClusterAccount serviceAccount, String kid, Instant expiresAt) {}

    private final TokenBrokerConfig.Kubernetes config;
    private final TrustedClusters clusters;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Cache<String, Verified> remembered;
    private final Counter verifiedCount;
    private final Counter rememberedCount;

    @Inject
    ServiceAccountVerifier(TokenBrokerConfig config, TrustedClusters clusters, Clock clock, MeterRegistry meters) {
        this(config.kubernetes(), clusters, clock, meters);
    }

    /** The default cluster's keys, and the further clusters of {@code config}. */
    ServiceAccountVerifier(TokenBrokerConfig.Kubernetes config, JwksStore jwks, Clock clock, MeterRegistry meters) {
        this(config, new TrustedClusters(config, jwks, clock, meters), clock, meters);
    }

    ServiceAccountVerifier(TokenBrokerConfig.Kubernetes config, TrustedClusters clusters, Clock clock, MeterRegistry meters) {
        if (config.jwksUrl().isPresent() != config.issuer().isPresent()) {
            throw new IllegalStateException(
                    "set both tokenbroker.kubernetes.jwks-url and tokenbroker.kubernetes.issuer, or neither");
        }
        if (config.clockSkew().isNegative() || config.clockSkew().compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalStateException("tokenbroker.kubernetes.clock-skew must be between 0s and 60s");
        }
        this.config = config;
        this.clusters = clusters;
        this.clock = clock;
        this.meters = meters;
        this.remembered = Caffeine.newBuilder()
                .maximumSize(config.rememberMaximumSize())
                .expireAfter(Expiry.<String, Verified>writing((digest, verified) -> rememberFor(verified)))
                .build();
        this.verifiedCount = counter("verified");
        this.rememberedCount = counter("remembered");
        for (Reason reason : SERVICE_ACCOUNT_REASONS) {
            counter(reason.tag()); // at 0 from the start, so that dashboards and increase() alerts see 0, not no data
        }
    }

    @Override
    public Optional<AuthenticatedCaller> verify(String bearer, CallerPolicy policy) {
        if (!looksLikeJwt(bearer)) {
            return Optional.empty();
        }
        if (!clusters.configured()) {
            throw reject(Reason.SERVICE_ACCOUNTS_OFF);
        }
        Instant now = clock.instant();
        String digest = HexFormat.of().formatHex(StaticKeyVerifier.sha256(bearer));
        Verified verified = remembered.getIfPresent(digest);
        if (verified != null && verified.expiresAt().isAfter(now) && verified.cluster().keys().has(verified.kid())) {
            rememberedCount.increment();
            return Optional.of(new AuthenticatedCaller(listed(verified, policy), METHOD));
        }
        remembered.invalidate(digest);
        verified = verifyFully(bearer, now);
        verifiedCount.increment();
        Caller caller = listed(verified, policy);
        remembered.put(digest, verified); // only now: a token of an unlisted ServiceAccount takes no room in memory
        return Optional.of(new AuthenticatedCaller(caller, METHOD));
    }

    private Caller listed(Verified verified, CallerPolicy policy) {
        return policy.byServiceAccount(verified.serviceAccount())
                .orElseThrow(() -> reject(Reason.UNKNOWN_SERVICE_ACCOUNT, CallerRejected.Who.serviceAccount(
                        verified.serviceAccount().namespaceAndName(), verified.cluster().tag(), true)));
    }

    /** A token verified before and still remembered, whose caller is listed; anything else is left to {@link #verify}. */
    @Override
    public Optional<AuthenticatedCaller> verifyFromMemory(String bearer, CallerPolicy policy) {
        if (!clusters.configured() || !looksLikeJwt(bearer)) {
            return Optional.empty();
        }
        Verified verified = remembered.getIfPresent(HexFormat.of().formatHex(StaticKeyVerifier.sha256(bearer)));
        if (verified == null || !verified.expiresAt().isAfter(clock.instant()) || !verified.cluster().keys().has(verified.kid())) {
            return Optional.empty();
        }
        Optional<Caller> caller = policy.byServiceAccount(verified.serviceAccount());
        if (caller.isEmpty()) {
            return Optional.empty();
        }
        rememberedCount.increment();
        return Optional.of(new AuthenticatedCaller(caller.get(), METHOD));
    }

    /** Forgets every remembered token, so each is checked in full again. */
    public void forgetAll() {
        remembered.invalidateAll();
    }

    private Verified verifyFully(String bearer, Instant now) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(bearer);
        } catch (ParseException e) {
            throw reject(Reason.MALFORMED);
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw reject(Reason.ALGORITHM); // alg: none
        }
        JWSAlgorithm alg = signed.getHeader().getAlgorithm();
        if (!JWSAlgorithm.RS256.equals(alg) && !JWSAlgorithm.ES256.equals(alg)) {
            throw reject(Reason.ALGORITHM);
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException e) {
            throw reject(Reason.MALFORMED);
        }
        // The iss, not yet verified, only chooses whose keys check the signature; every claim is checked after it.
        Optional<TrustedCluster> issuer = clusters.byIssuer(claims.getIssuer());
        if (issuer.isEmpty()) {
            throw reject(Reason.ISSUER, claimed(claims, null));
        }
        TrustedCluster cluster = issuer.get();
        String kid = signed.getHeader().getKeyID();
        Optional<JWK> key = kid == null ? Optional.empty() : cluster.keys().key(kid);
        if (key.isEmpty()) {
            throw reject(Reason.UNKNOWN_SIGNING_KEY, claimed(claims, cluster));
        }
        if (!signatureVerifies(signed, alg, key.get())) {
            throw reject(Reason.BAD_SIGNATURE, claimed(claims, cluster));
        }
        return new Verified(cluster, new CallerPolicy.ClusterAccount(cluster.name(), checkClaims(claims, cluster, now)), kid,
                claims.getExpirationTime().toInstant());
    }

    /** Checks the claims of a token whose signature verified; answers its ServiceAccount as namespace/name. */
    private String checkClaims(JWTClaimsSet claims, TrustedCluster cluster, Instant now) {
        List<String> audience = claims.getAudience();
        if (audience == null || !audience.contains(cluster.audience())) {
            throw reject(Reason.AUDIENCE, claimed(claims, cluster));
        }
        Date expires = claims.getExpirationTime();
        if (expires == null) {
            throw reject(Reason.MALFORMED, claimed(claims, cluster));
        }
        if (now.isAfter(expires.toInstant().plus(config.clockSkew()))) {
            throw reject(Reason.EXPIRED, claimed(claims, cluster));
        }
        Date issued = claims.getIssueTime();
        if (issued == null || Duration.between(issued.toInstant(), expires.toInstant()).compareTo(config.maxTokenLifetime()) > 0) {
            throw reject(Reason.LIFETIME, claimed(claims, cluster));
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.isBefore(notBefore.toInstant().minus(config.clockSkew()))) {
            throw reject(Reason.NOT_YET_VALID, claimed(claims, cluster));
        }
        Matcher subject = SUBJECT.matcher(String.valueOf(claims.getSubject()));
        if (!subject.matches()) {
            throw reject(Reason.SUBJECT, claimed(claims, cluster));
        }
        return subject.group(1) + "/" + subject.group(2);
    }

    private static boolean signatureVerifies(SignedJWT jwt, JWSAlgorithm alg, JWK key) {
        if (key.getAlgorithm() != null && !alg.equals(key.getAlgorithm())) {
            return false;
        }
        try {
            if (JWSAlgorithm.RS256.equals(alg) && key instanceof RSAKey rsa) {
                return jwt.verify(new RSASSAVerifier(rsa));
            }
            if (JWSAlgorithm.ES256.equals(alg) && key instanceof ECKey ec) {
                return jwt.verify(new ECDSAVerifier(ec));
            }
            return false;
        } catch (JOSEException e) {
            return false;
        }
    }

    /** Compact JWS serialisation: three parts. Static keys never look like this. */
    static boolean looksLikeJwt(String bearer) {
        int first = bearer.indexOf('.');
        int second = bearer.indexOf('.', first + 1);
        return first > 0 && second > first && bearer.indexOf('.', second + 1) < 0;
    }

    private Duration rememberFor(Verified verified) {
        Duration untilExpiry = Duration.between(clock.instant(), verified.expiresAt());
        Duration bounded = untilExpiry.compareTo(config.rememberFor()) < 0 ? untilExpiry : config.rememberFor();
        return bounded.isNegative() ? Duration.ZERO : bounded;
    }

    private CallerRejected reject(Reason reason) {
        return reject(reason, CallerRejected.Who.UNKNOWN);
    }

    private CallerRejected reject(Reason reason, CallerRejected.Who who) {
        counter(reason.tag()).increment();
        return new CallerRejected(METHOD, reason, who);
    }

    /**
     * What a token that failed a check claims to be, for its audit line, marked unverified: its {@code sub} as
     * {@code namespace/name} only when it has the shape of a ServiceAccount (anything else could be any text), and the
     * cluster its {@code iss} names, if a trusted one.
     */
    private static CallerRejected.Who claimed(JWTClaimsSet claims, TrustedCluster cluster) {
        Matcher subject = SUBJECT.matcher(String.valueOf(claims.getSubject()));
        return CallerRejected.Who.serviceAccount(subject.matches() ? subject.group(1) + "/" + subject.group(2) : null,
                cluster == null ? null : cluster.tag(), false);
    }

    private Counter counter(String result) {
        return meters.counter("tokenbroker.service_account.tokens", "result", result);
    }
}
