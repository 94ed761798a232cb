package dev.tokenbroker.upstream;

import com.nimbusds.jwt.JWTParser;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * When a freshly minted token ends, on the broker's clock: the earliest of {@code expires_in} counted from the
 * answer's arrival and, for an access token that is a JWT with an {@code exp}, that {@code exp} moved by the token
 * endpoint's clock offset. Without {@code expires_in}, the credential's {@code default_lifetime} stands in for it
 * (the earlier of it and the JWT's {@code exp} still wins). A JWT is read, unverified, for its {@code exp} alone; an opaque token is never parsed.
 */
final class TokenLifetime {

    /** Three base64url segments (the third empty for an unsecured JWT): the only shape read as a JWT. */
    private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    /** The end of a token and what said so: {@code expires_in}, {@code jwt_exp} or {@code default_lifetime}. */
    record Expiry(Instant at, String source) {}

    private TokenLifetime() {}

    /**
     * @param offset the token endpoint's clock minus the broker's, if known
     * @return empty when neither the answer nor the credential says when the token ends
     */
    static Optional<Expiry> expiry(Instant arrival, Optional<Long> expiresIn, String accessToken,
            Optional<Duration> offset, Optional<Duration> defaultLifetime) {
        Optional<Expiry> exp = jwtExpiry(accessToken)
                .map(at -> new Expiry(at.minus(offset.orElse(Duration.ZERO)), "jwt_exp"));
        Optional<Expiry> said = expiresIn.map(seconds -> new Expiry(arrival.plusSeconds(seconds), "expires_in"))
                .or(() -> defaultLifetime.map(life -> new Expiry(arrival.plus(life), "default_lifetime")));
        if (said.isEmpty()) {
            return exp;
        }
        return Optional.of(exp.filter(e -> e.at().isBefore(said.get().at())).orElse(said.get()));
    }

    /** The {@code exp} of an access token shaped as a JWT, without verifying it; empty for anything else. */
    static Optional<Instant> jwtExpiry(String accessToken) {
        if (!JWT.matcher(accessToken).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JWTParser.parse(accessToken).getJWTClaimsSet().getExpirationTime())
                    .map(Date::toInstant);
        } catch (java.text.ParseException | RuntimeException notAJwt) {
            return Optional.empty(); // its message may quote the token: never logged
        }
    }
}
