package dev.tokenbroker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rules of {@link TokenLifetime} and the HTTP dates of {@link ClockOffsets}, without a broker. */
class TokenLifetimeRulesTest {

    private static final Instant ARRIVAL = Instant.parse("2026-12-02T10:00:00Z");

    @Test
    void earliestOfExpiresInAndTheCorrectedJwtExpiry() {
        String jwt = jwt(ARRIVAL.plus(Duration.ofMinutes(15)));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.of(86399L), jwt, Optional.of(Duration.ofMinutes(5)), Optional.empty()))
                .hasValue(new TokenLifetime.Expiry(ARRIVAL.plus(Duration.ofMinutes(10)), "jwt_exp"));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.of(300L), jwt, Optional.empty(), Optional.empty()))
                .hasValue(new TokenLifetime.Expiry(ARRIVAL.plusSeconds(300), "expires_in"));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.of(3600L), jwt, Optional.of(Duration.ofMinutes(-10)), Optional.empty()))
                .as("a provider 10 minutes behind").hasValue(new TokenLifetime.Expiry(ARRIVAL.plus(Duration.ofMinutes(25)), "jwt_exp"));
    }

    @Test
    void withoutExpiresInTheDefaultLifetimeStandsInAndTheEarlierJwtExpiryStillWins() {
        Optional<Duration> fortyFive = Optional.of(Duration.ofMinutes(45));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.empty(), jwt(ARRIVAL.plusSeconds(600)), Optional.empty(), fortyFive))
                .hasValue(new TokenLifetime.Expiry(ARRIVAL.plusSeconds(600), "jwt_exp"));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.empty(), jwt(ARRIVAL.plus(Duration.ofHours(2))), Optional.empty(), fortyFive))
                .as("a JWT that lives longer than default_lifetime").hasValue(new TokenLifetime.Expiry(ARRIVAL.plus(Duration.ofMinutes(45)), "default_lifetime"));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.empty(), jwt(ARRIVAL.plusSeconds(600)), Optional.empty(), Optional.empty()))
                .as("no default_lifetime").hasValue(new TokenLifetime.Expiry(ARRIVAL.plusSeconds(600), "jwt_exp"));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.empty(), "opaque", Optional.empty(), fortyFive))
                .hasValue(new TokenLifetime.Expiry(ARRIVAL.plus(Duration.ofMinutes(45)), "default_lifetime"));
        assertThat(TokenLifetime.expiry(ARRIVAL, Optional.empty(), "opaque", Optional.empty(), Optional.empty())).isEmpty();
    }

    @Test
    void onlyTokensShapedAsJwtsWithAnExpAreRead() {
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"exp\":1900000000}".getBytes());
        assertThat(TokenLifetime.jwtExpiry(jwt(ARRIVAL))).hasValue(ARRIVAL);
        assertThat(TokenLifetime.jwtExpiry("eyJhbGciOiJSUzI1NiJ9." + b64)).as("two segments").isEmpty();
        assertThat(TokenLifetime.jwtExpiry("a." + b64 + ".c.d.e")).as("five segments (JWE)").isEmpty();
        assertThat(TokenLifetime.jwtExpiry("not-json." + b64 + ".sig")).as("header not JSON").isEmpty();
        assertThat(TokenLifetime.jwtExpiry("1//0gOpaque.token-from.google")).as("opaque with dots").isEmpty();
        assertThat(TokenLifetime.jwtExpiry(new PlainJWT(new JWTClaimsSet.Builder().subject("x").build()).serialize()))
                .as("no exp").isEmpty();
    }

    @Test
    void httpDatesAreReadAndAnythingElseIsIgnored() {
        assertThat(ClockOffsets.httpDate("Wed, 02 Dec 2026 10:05:00 GMT")).hasValue(Instant.parse("2026-12-02T10:05:00Z"));
        assertThat(ClockOffsets.httpDate("Wed, 02 Dec 2026 10:05:00 GMT, Wed, 02 Dec 2026 10:05:01 GMT")).isEmpty();
        assertThat(ClockOffsets.httpDate("yesterday")).isEmpty();
        assertThat(ClockOffsets.httpDate(null)).isEmpty();
        assertThat(ClockOffsets.httpDate("")).isEmpty();
    }

    private static String jwt(Instant exp) {
        return new PlainJWT(new PlainHeader(), new JWTClaimsSet.Builder().subject("client").expirationTime(Date.from(exp)).build())
                .serialize();
    }
}
