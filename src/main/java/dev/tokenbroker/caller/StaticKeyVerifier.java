package dev.tokenbroker.caller;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/** Recognises static keys by their SHA-256, as listed under {@code api-key-sha256}. */
@ApplicationScoped
public class StaticKeyVerifier implements BearerVerifier {

    @Override
    public Optional<AuthenticatedCaller> verify(String bearer, CallerPolicy policy) {
        return policy.byKeyDigest(sha256(bearer)).map(caller -> new AuthenticatedCaller(caller, "api-key"));
    }

    static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
