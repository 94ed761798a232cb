package dev.tokenbroker.caller;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Recognises static keys by their SHA-256, as listed under {@code api-key-sha256}. Tried first: it is cheap, and
 * a listed key is a listed key whatever it looks like, as long as it is at least {@link #MIN_KEY_LENGTH}
 * characters long: a shorter one is guessable and never authenticates ({@code openssl rand -hex 32} makes 64).
 */
@ApplicationScoped
@Priority(20)
public class StaticKeyVerifier implements BearerVerifier {

    static final String METHOD = "api-key";
    /** The shortest static key that may authenticate. */
    static final int MIN_KEY_LENGTH = 32;

    @Override
    public Optional<AuthenticatedCaller> verify(String bearer, CallerPolicy policy) {
        if (bearer.length() < MIN_KEY_LENGTH) {
            return Optional.empty();
        }
        return policy.byKeyDigest(sha256(bearer)).map(caller -> new AuthenticatedCaller(caller, METHOD));
    }

    /** One digest per thread: {@code MessageDigest.getInstance} is a provider lookup, on every request. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    @Override
    public Optional<AuthenticatedCaller> verifyFromMemory(String bearer, CallerPolicy policy) {
        return verify(bearer, policy); // a hash and a map look-up
    }

    /**
     * Why a static key could never authenticate, if it could not: shorter than {@link #MIN_KEY_LENGTH}, longer than
     * a bearer value may be, or holding characters a Bearer value cannot carry (RFC 6750 b64token). Names the rule,
     * never the key.
     */
    public static Optional<String> unusable(String key) {
        if (key.length() < MIN_KEY_LENGTH) {
            return Optional.of("a key shorter than " + MIN_KEY_LENGTH + " characters never authenticates"
                    + " (openssl rand -hex 32 makes 64)");
        }
        if (key.length() > CallerAuthenticator.MAX_BEARER_LENGTH) {
            return Optional.of("a key longer than " + CallerAuthenticator.MAX_BEARER_LENGTH + " characters is refused");
        }
        if (!CallerAuthenticator.B64TOKEN.matcher(key).matches()) {
            return Optional.of("a Bearer value holds only letters, digits and -._~+/ (then = signs): no spaces, no second line");
        }
        return Optional.empty();
    }

    /** What the callers file lists for a static key: its SHA-256, in lower-case hex. */
    public static String digestHex(String key) {
        return java.util.HexFormat.of().formatHex(sha256(key));
    }

    static byte[] sha256(String value) {
        return SHA_256.get().digest(value.getBytes(StandardCharsets.UTF_8)); // digest() resets it for the next use
    }
}
