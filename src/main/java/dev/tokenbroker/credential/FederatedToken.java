package dev.tokenbroker.credential;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;

/**
 * The one reader of a {@code federated} credential's token file (docs/configuration.md, "Federated credentials"): the
 * loader reads it to check the credential, and every token request reads it again, since the kubelet renews the
 * projected token in place. What it finds wrong names the fault, never the token.
 */
public final class FederatedToken {

    /** Largest token file read: a projected ServiceAccount token is one or two KiB. */
    private static final long MAX_BYTES = 64 * 1024;

    private FederatedToken() {}

    /**
     * The {@code federated_token_file} value {@code path} as the loader accepts it: an absolute path to a file that
     * {@link #read} accepts now. Problems are whole sentences about the value.
     */
    public static ClientAuth.Federated check(String path, Instant now) {
        Path file;
        try {
            file = Path.of(path);
        } catch (InvalidPathException e) {
            throw new Unusable("is not a path");
        }
        if (!file.isAbsolute()) {
            throw new Unusable("must be an absolute path (where the chart projects the token)");
        }
        try {
            read(file, now);
        } catch (Unusable e) {
            throw new Unusable("names " + file + ", which " + e.getMessage());
        }
        return new ClientAuth.Federated(file);
    }

    /**
     * The JWT in {@code file}, checked: present, readable, UTF-8, a signed JWT, and not expired at {@code now}. The
     * caller sends it and lets it go; nothing keeps it.
     */
    public static String read(Path file, Instant now) {
        String token = content(file);
        JWT jwt;
        Date expiry;
        try {
            jwt = JWTParser.parse(token);
            expiry = jwt.getJWTClaimsSet().getExpirationTime();
        } catch (ParseException e) {
            throw new Unusable("does not hold a JWT");
        }
        if (jwt instanceof PlainJWT) {
            throw new Unusable("holds an unsigned JWT (alg none), which no provider accepts");
        }
        if (expiry != null && !expiry.toInstant().isAfter(now)) {
            throw new Unusable("holds a JWT that expired at " + expiry.toInstant()
                    + " (the kubelet renews a projected token at 80% of its life: is the volume still projected?)");
        }
        return token;
    }

    private static String content(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new Unusable(Files.exists(file) ? "is not a regular file" : "does not exist");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new Unusable("is larger than " + MAX_BYTES / 1024 + " KiB");
            }
            String value = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString().strip();
            if (value.isEmpty()) {
                throw new Unusable("is empty");
            }
            return value;
        } catch (NoSuchFileException e) {
            throw new Unusable("does not exist");
        } catch (CharacterCodingException e) {
            throw new Unusable("is not valid UTF-8");
        } catch (IOException e) {
            throw new Unusable("cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Why the token file cannot be used now; from {@link #read}, the message completes "the token file ...". */
    public static final class Unusable extends RuntimeException {
        Unusable(String problem) {
            super(problem, null, false, false);
        }
    }
}
