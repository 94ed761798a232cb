package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.tokenbroker.caller.CallerRejected.Reason;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.testing.Cluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The verifier on its own, against a JWKS file and a clock the test moves: what it accepts and refuses, that a
 * remembered token skips the signature check (counted by its metrics), and that unknown key ids cannot make it
 * read the JWKS more than once per interval.
 */
class ServiceAccountVerifierTest {

    private static final Duration MIN_REFRESH = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final MovingClock clock = new MovingClock(Instant.now());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private Cluster cluster;
    private JwksStore jwks;
    private ServiceAccountVerifier verifier;
    private CallerPolicy policy;

    @BeforeEach
    void cluster() throws Exception {
        Path file = dir.resolve("jwks.json");
        cluster = new Cluster(Cluster.fileHost(file));
        Settings settings = Settings.of(Optional.of(file.toString()));
        jwks = new JwksStore(settings, clock, meters);
        assertThat(jwks.refresh("startup")).isTrue();
        verifier = new ServiceAccountVerifier(settings, jwks, clock, meters);
        policy = CallersFile.parse("""
                callers:
                  - name: payments
                    service-account: payments/billing
                    grants: [{credential: adobe-admin, scopes: ["*"]}]
                """.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsRs256AndEs256TokensOfListedServiceAccounts() {
        for (JWK key : List.<JWK>of(cluster.rsa, cluster.ec)) {
            AuthenticatedCaller caller = verifier.verify(cluster.token("payments/billing").signedWith(key).sign(), policy)
                    .orElseThrow();
            assertThat(caller.name()).isEqualTo("payments");
            assertThat(caller.method()).isEqualTo("service-account");
        }
    }

    @Test
    void leavesBearerValuesThatAreNoJwtToOtherVerifiers() {
        assertThat(verifier.verify("tb-ops-key-3a5c7e9b1d2f4a6c", policy)).isEmpty();
        assertThat(verifier.verify("a.b.c.d.e", policy)).isEmpty();
    }

    @Test
    void remembersAVerifiedTokenSoItsNextCallsCheckNoSignature() {
        String token = cluster.token("payments/billing").sign();
        for (int i = 0; i < 5; i++) {
            assertThat(verifier.verify(token, policy)).isPresent();
        }
        assertThat(count("verified")).isEqualTo(1);
        assertThat(count("remembered")).isEqualTo(4);
    }

    @Test
    void remembersATokenNoLongerThanItsExpiry() {
        String token = cluster.token("payments/billing").expiresAt(clock.instant().plus(Duration.ofMinutes(3))).sign();
        verifier.verify(token, policy);
        clock.advance(Duration.ofMinutes(3).plusSeconds(1)); // past exp, within the skew: checked again, still good
        verifier.verify(token, policy);
        assertThat(count("verified")).isEqualTo(2);
        clock.advance(Duration.ofSeconds(60));
        assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(Reason.EXPIRED));
    }

    @Test
    void rememberedTokenStillNeedsItsServiceAccountInThePolicy() {
        String token = cluster.token("payments/billing").sign();
        verifier.verify(token, policy);
        assertThatThrownBy(() -> verifier.verify(token, CallerPolicy.DENY_ALL))
                .satisfies(rejectedFor(Reason.UNKNOWN_SERVICE_ACCOUNT));
        assertThat(count("verified")).isEqualTo(1);
        assertThat(count("remembered")).isEqualTo(1);
    }

    @Test
    void remembersATokenOnlyOnceItsServiceAccountIsListed() {
        String token = cluster.token("payments/other").sign();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(Reason.UNKNOWN_SERVICE_ACCOUNT));
        }
        assertThat(count("verified")).isEqualTo(3);
        assertThat(count("remembered")).isZero();
        assertThat(verifier.verifyFromMemory(token, policy)).isEmpty();
    }

    @Test
    void refusesTokensThatLiveLongerThanTheMaximumLifetime() {
        Instant now = clock.instant();
        Duration max = Duration.ofHours(24);
        assertThat(verifier.verify(cluster.token("payments/billing").issuedAt(now).expiresAt(now.plus(max)).sign(), policy))
                .isPresent();
        assertThatThrownBy(() -> verifier.verify(cluster.token("payments/billing").issuedAt(now)
                .expiresAt(now.plus(max).plusSeconds(1)).sign(), policy)).satisfies(rejectedFor(Reason.LIFETIME));
        assertThatThrownBy(() -> verifier.verify(cluster.token("payments/billing").issuedAt(null).sign(), policy))
                .satisfies(rejectedFor(Reason.LIFETIME));
        assertThat(count("lifetime")).isEqualTo(2);
    }

    @Test
    void everyRefusalSaysTheSameToTheCaller() {
        List<String> details = refusedTokens()
                .map(row -> (Function<Cluster, String>) row.get()[2])
                .map(make -> make.apply(cluster))
                .map(token -> catchRejection(() -> verifier.verify(token, policy)).getMessage())
                .distinct().toList();
        assertThat(details).containsExactly(CallerRejected.DETAIL);
    }

    private static CallerRejected catchRejection(Runnable call) {
        try {
            call.run();
        } catch (CallerRejected e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

    @Test
    void tokenOfAKeyTheClusterNoLongerPublishesIsRefusedEvenIfRemembered() {
        String token = cluster.token("payments/billing").signedWith(cluster.rsa).sign();
        verifier.verify(token, policy);
        cluster.publish(cluster.ec);
        jwks.refresh("schedule");
        assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(Reason.UNKNOWN_SIGNING_KEY));
    }

    @Test
    void unknownKeyIdsReadTheJwksAtMostOncePerInterval() {
        for (int i = 0; i < 50; i++) {
            String token = cluster.token("payments/billing").kid("made-up-" + i).sign();
            assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(Reason.UNKNOWN_SIGNING_KEY));
        }
        assertThat(reads("unknown_key")).isZero(); // the start-up read was just now

        clock.advance(MIN_REFRESH);
        for (int i = 0; i < 50; i++) {
            String token = cluster.token("payments/billing").kid("made-up-" + i).sign();
            assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(Reason.UNKNOWN_SIGNING_KEY));
        }
        assertThat(reads("unknown_key")).isEqualTo(1);
    }

    @Test
    void keyThatAppearsInTheJwksIsAcceptedOnceReadAgain() {
        JWK next = Cluster.rsaKey("rsa-2");
        String token = cluster.token("payments/billing").signedWith(next).sign();
        cluster.publish(cluster.rsa, cluster.ec, next);
        assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(Reason.UNKNOWN_SIGNING_KEY));
        clock.advance(MIN_REFRESH);
        assertThat(verifier.verify(token, policy)).isPresent();
        assertThat(reads("unknown_key")).isEqualTo(1);
    }

    @Test
    void allowsExpiryAndNotBeforeWithinTheClockSkewOnly() {
        Instant now = clock.instant();
        assertThat(verifier.verify(cluster.token("payments/billing").expiresAt(now.minusSeconds(59)).sign(), policy)).isPresent();
        assertThat(verifier.verify(cluster.token("payments/billing").notBefore(now.plusSeconds(59)).sign(), policy)).isPresent();
        assertThatThrownBy(() -> verifier.verify(cluster.token("payments/billing").expiresAt(now.minusSeconds(61)).sign(), policy))
                .satisfies(rejectedFor(Reason.EXPIRED));
        assertThatThrownBy(() -> verifier.verify(cluster.token("payments/billing").notBefore(now.plusSeconds(61)).sign(), policy))
                .satisfies(rejectedFor(Reason.NOT_YET_VALID));
    }

    static Stream<Arguments> refusedTokens() {
        byte[] secret = new byte[32];
        Arrays.fill(secret, (byte) 7);
        return Stream.of(
                refused("alg none", Reason.ALGORITHM, c -> c.token("payments/billing").unsigned()),
                refused("HS256 under the RSA key's kid", Reason.ALGORITHM, c -> c.token("payments/billing").hs256(secret)),
                refused("RS256 under the EC key's kid", Reason.BAD_SIGNATURE,
                        c -> c.token("payments/billing").signedWith(c.rsa).kid(c.ec.getKeyID()).sign()),
                refused("no kid", Reason.UNKNOWN_SIGNING_KEY, c -> c.token("payments/billing").kid(null).sign()),
                refused("signed by a key the cluster does not publish", Reason.UNKNOWN_SIGNING_KEY,
                        c -> c.token("payments/billing").signedWith(Cluster.rsaKey("rsa-1")).kid("stranger").sign()),
                refused("forged with another key under a known kid", Reason.BAD_SIGNATURE,
                        c -> c.token("payments/billing").signedWith(Cluster.rsaKey("rsa-1")).sign()),
                refused("tampered payload", Reason.BAD_SIGNATURE, c -> Cluster.withPayload(c.token("reports/reader").sign(),
                        c.token("payments/billing").claims().toString())),
                refused("payload not JSON (its iss chooses the keys)", Reason.MALFORMED, c -> Cluster.withPayload(c.token("payments/billing").sign(), "nope")),
                refused("other issuer", Reason.ISSUER, c -> c.token("payments/billing").issuer("https://other.example").sign()),
                refused("other audience", Reason.AUDIENCE, c -> c.token("payments/billing").audience("vault").sign()),
                refused("sub not a ServiceAccount", Reason.SUBJECT, c -> c.token("payments/billing").subject("system:node:n1").sign()),
                refused("ServiceAccount nobody listed", Reason.UNKNOWN_SERVICE_ACCOUNT, c -> c.token("payments/other").sign()),
                refused("not base64", Reason.MALFORMED, c -> "e30.%%%.e30"));
    }

    private static Arguments refused(String name, Reason reason, Function<Cluster, String> token) {
        return Arguments.of(name, reason, token);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedTokens")
    void refusesWithTheReasonAndNeverQuotesTheToken(String name, Reason reason, Function<Cluster, String> make) {
        String token = make.apply(cluster);
        assertThatThrownBy(() -> verifier.verify(token, policy)).satisfies(rejectedFor(reason))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token).doesNotContain(token.split("\\.")[0]));
    }

    @Test
    void refusesEveryJwtWhenServiceAccountsAreOff() {
        Settings off = Settings.of(Optional.empty());
        ServiceAccountVerifier offVerifier = new ServiceAccountVerifier(off, new JwksStore(off, clock, meters), clock, meters);
        assertThatThrownBy(() -> offVerifier.verify(cluster.token("payments/billing").sign(), policy))
                .satisfies(rejectedFor(Reason.SERVICE_ACCOUNTS_OFF));
        assertThat(offVerifier.verify("tb-ops-key-3a5c7e9b1d2f4a6c", policy)).isEmpty();
    }

    @Test
    void refusesToStartWithAnUnsafeOrHalfConfiguration() {
        Settings base = Settings.of(Optional.of("/jwks.json"));
        assertThatThrownBy(() -> new ServiceAccountVerifier(base.withClockSkew(Duration.ofSeconds(61)), jwks, clock, meters))
                .hasMessageContaining("clock-skew");
        assertThatThrownBy(() -> new ServiceAccountVerifier(base.withIssuer(Optional.empty()), jwks, clock, meters))
                .hasMessageContaining("both");
        assertThatThrownBy(() -> new JwksStore(Settings.of(Optional.of("http://kubernetes.default.svc/openid/v1/jwks")), clock, meters))
                .hasMessageContaining("https");
    }

    @Test
    void keepsOnlyStrongSigningKeysWithAKeyId() throws Exception {
        JWK weakRsa = new RSAKeyGenerator(1024, true).keyID("weak").generate();
        JWK p384 = new ECKeyGenerator(Curve.P_384).keyID("p384").generate();
        JWK encryption = new RSAKeyGenerator(2048).keyID("enc").keyUse(KeyUse.ENCRYPTION).generate();
        JWK noKid = new RSAKeyGenerator(2048).generate();
        cluster.publish(cluster.rsa, weakRsa, p384, encryption, noKid, cluster.ec);
        assertThat(JwksStore.usableKeys(Files.readAllBytes(dir.resolve("jwks.json"))).keySet()).containsExactly("rsa-1", "ec-1");
    }

    @Test
    void keepsTheKeysItHasWhenTheJwksTurnsUnreadable() throws Exception {
        Files.writeString(dir.resolve("jwks.json"), "{\"keys\": [");
        assertThat(jwks.refresh("schedule")).isFalse();
        assertThat(jwks.problem()).hasValueSatisfying(p -> assertThat(p).contains("not a JWKS", "keeping 2 keys"));
        assertThat(verifier.verify(cluster.token("payments/billing").sign(), policy)).isPresent();
    }

    private double count(String result) {
        return meters.counter("tokenbroker.service_account.tokens", "result", result).count();
    }

    private double reads(String trigger) {
        return meters.counter("tokenbroker.jwks.reads", "cluster", "default", "trigger", trigger, "result", "success").count();
    }

    private static java.util.function.Consumer<Throwable> rejectedFor(Reason reason) {
        return e -> assertThat(e).isInstanceOfSatisfying(CallerRejected.class, r -> {
            assertThat(r.reason()).isEqualTo(reason);
            assertThat(r.method()).isEqualTo("service-account");
            assertThat(r.refusal()).isEqualTo(dev.tokenbroker.token.Refusal.UNAUTHENTICATED);
        });
    }

    /** The settings of {@code tokenbroker.kubernetes}, as the tests choose them. */
    record Settings(Optional<String> jwksUrl, Optional<String> issuer, String audience, Duration clockSkew, Path caFile,
            Path tokenFile, boolean sendToken, Duration maxTokenLifetime, Duration jwksRefreshInterval,
            Duration jwksMinRefreshInterval, Duration jwksTimeout, Duration rememberFor, long rememberMaximumSize,
            Map<String, TokenBrokerConfig.Kubernetes.Cluster> clusters)
            implements TokenBrokerConfig.Kubernetes {

        static Settings of(Optional<String> jwksUrl) {
            return new Settings(jwksUrl, jwksUrl.map(u -> dev.tokenbroker.testing.Cluster.ISSUER),
                    dev.tokenbroker.testing.Cluster.AUDIENCE, Duration.ofSeconds(60),
                    Path.of("/nonexistent/ca.crt"), Path.of("/nonexistent/token"), false, Duration.ofHours(24),
                    Duration.ofHours(1), MIN_REFRESH,
                    Duration.ofSeconds(5), Duration.ofMinutes(5), 100, Map.of());
        }

        Settings withClockSkew(Duration skew) {
            return new Settings(jwksUrl, issuer, audience, skew, caFile, tokenFile, sendToken, maxTokenLifetime, jwksRefreshInterval,
                    jwksMinRefreshInterval, jwksTimeout, rememberFor, rememberMaximumSize, clusters);
        }

        Settings withIssuer(Optional<String> value) {
            return new Settings(jwksUrl, value, audience, clockSkew, caFile, tokenFile, sendToken, maxTokenLifetime, jwksRefreshInterval,
                    jwksMinRefreshInterval, jwksTimeout, rememberFor, rememberMaximumSize, clusters);
        }

        Settings withClusters(Map<String, TokenBrokerConfig.Kubernetes.Cluster> value) {
            return new Settings(jwksUrl, issuer, audience, clockSkew, caFile, tokenFile, sendToken, maxTokenLifetime, jwksRefreshInterval,
                    jwksMinRefreshInterval, jwksTimeout, rememberFor, rememberMaximumSize, value);
        }
    }

    /** One further cluster's settings, as the tests choose them. */
    record ClusterSettings(String issuer, Optional<String> jwksUrl, String audience, Optional<Path> caFile)
            implements TokenBrokerConfig.Kubernetes.Cluster {
    }

    /** A clock that moves only when the test says. */
    static final class MovingClock extends Clock {
        private volatile Instant now;

        MovingClock(Instant start) {
            now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
