package dev.tokenbroker.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.token.TokenKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cache's cryptography. From each configured key (base64 of 32 bytes) it derives, by HMAC-SHA256 with a
 * fixed label, one AES-256-GCM key for values, one HMAC key for Redis key names and one for log fingerprints.
 * The first key seals; earlier keys, listed for rotation, still open what they sealed.
 */
@ApplicationScoped
public class CacheKeys {

    static final String HOW_TO_MAKE_A_KEY = "make one with: head -c 32 /dev/urandom | base64";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte FORMAT = 1;

    private final SecureRandom random = new SecureRandom();
    private final Cache<String, String> fingerprints = Caffeine.newBuilder().maximumSize(10_000).build();
    /** Key names per token key and sealing-key index: an HMAC each, asked for on every Redis read. */
    private final Cache<Slot, String> slots = Caffeine.newBuilder().maximumSize(10_000).build();
    private final Cache<Tag, String> tags = Caffeine.newBuilder().maximumSize(10_000).build();
    /** A Cipher per thread: getInstance is a provider lookup, and a reused instance skips the AES key schedule. */
    private static final ThreadLocal<Cipher> AES_GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    });
    private final List<Derived> keys;
    private final boolean configured;
    private final String prefix;

    record Derived(SecretKeySpec aes, SecretKeySpec names, SecretKeySpec fingerprints) {}

    private record Slot(TokenKey key, int index) {}

    private record Tag(String credential, int index) {}

    CacheKeys(TokenBrokerConfig config) {
        this.prefix = config.cache().keyPrefix();
        List<Derived> derived = new ArrayList<>();
        config.cache().encryptionKey().map(k -> derive("tokenbroker.cache.encryption-key", k)).ifPresent(derived::add);
        List<String> previous = config.cache().previousEncryptionKeys().orElse(List.of());
        if (derived.isEmpty() && !previous.isEmpty()) {
            throw new IllegalStateException("tokenbroker.cache.previous-encryption-keys needs tokenbroker.cache.encryption-key");
        }
        previous.forEach(k -> derived.add(derive("tokenbroker.cache.previous-encryption-keys", k)));
        if (derived.isEmpty()) {
            byte[] ephemeral = new byte[32];
            random.nextBytes(ephemeral);
            derived.add(derive(ephemeral));
        }
        this.configured = config.cache().encryptionKey().isPresent();
        this.keys = List.copyOf(derived);
    }

    /** Whether an encryption key was configured (else a random one lives only as long as this process). */
    public boolean configured() {
        return configured;
    }

    /** Number of keys that can open values; index 0 seals. */
    public int size() {
        return keys.size();
    }

    /**
     * The Redis key name of a token under key {@code index}: HMACs (of credential, client id, token URL, scope set and
     * any {@code token_params}) that reveal no credential, scope or audience. A credential's
     * names share one hash tag, so that a token and its credential's purge generation are read by one MGET, also
     * under a Redis Cluster.
     */
    public String tokenName(TokenKey key, int index) {
        return prefix + "t:{" + credentialTag(key.credential(), index) + "}" + slot(key, index);
    }

    /** The Redis key name of the mint lock of a token. */
    public String lockName(TokenKey key) {
        return prefix + "l:{" + credentialTag(key.credential(), 0) + "}" + slot(key, 0);
    }

    /** The Redis key name of a credential's purge generation, as named under key {@code index}. */
    public String generationName(String credential, int index) {
        return prefix + "g:{" + credentialTag(credential, index) + "}";
    }

    /** The Redis key name of the set that indexes a credential's tokens sealed under key {@code index}. */
    public String credentialIndexName(String credential, int index) {
        return prefix + "c:{" + credentialTag(credential, index) + "}";
    }

    /** What a credential is called on the events channel and in key names under key {@code index}: an HMAC. */
    public String credentialTag(String credential, int index) {
        return tags.get(new Tag(credential, index), tag -> hmac(keys.get(tag.index()).names(), "credential\u0000" + tag.credential(), 16));
    }

    /**
     * For an event on the channel that names {@code tags}: empty when it names none of {@code credential}'s tags, else
     * the indexes of the configured keys under which it did not name it (keys its sender does not hold, in a rolling
     * rotation), where this replica must do the sender's work itself.
     */
    public Optional<List<Integer>> keysNotNamed(String credential, Set<String> tags) {
        List<Integer> unnamed = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            if (!tags.contains(credentialTag(credential, i))) {
                unnamed.add(i);
            }
        }
        return unnamed.size() == size() ? Optional.empty() : Optional.of(unnamed);
    }

    /** A key of the check that Redis lets the broker run its commands; {@code {id}} keeps a check's keys in one slot. */
    public String checkName(String id, String part) {
        return prefix + "check:{" + id + "}:" + part;
    }

    /** The pub/sub channel on which replicas tell each other to drop a credential's tokens. */
    public String eventsChannel() {
        return prefix + "events";
    }

    private String slot(TokenKey key, int index) {
        return slots.get(new Slot(key, index), slot -> computeSlot(slot.key(), slot.index()));
    }

    private String computeSlot(TokenKey key, int index) {
        String canonical = String.join("\u0000", "token", key.credential(), key.clientId(), key.tokenUrl(),
                key.scopes().join(" "));
        // Extra form parameters (an audience, a resource) make another token. Without them the name is as it was
        // before there were any, so a rollout keeps the cache; with them no replica of any version shares it.
        if (!key.params().isEmpty()) {
            canonical += "\u0000params\u0000" + key.params().canonical();
        }
        return hmac(keys.get(index).names(), canonical, 16);
    }

    /** A short fingerprint of a token for log lines; the same on every replica that shares the key. */
    public String fingerprint(String token) {
        // Every request's audit line wants one; a served token is the same String instance each time, so the
        // lookup is a cached hash and an equals, where an HMAC would cost a Mac per request.
        return fingerprints.get(token, t -> hmac(keys.get(0).fingerprints(), t, 6));
    }

    /** Encrypts with the sealing key; the Redis key name is bound as associated data. */
    public byte[] seal(byte[] plaintext, String name) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = AES_GCM.get();
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(0).aes(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(FORMAT).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Decrypts a value read under {@code name} with key {@code index}; empty if it was tampered with or moved. */
    public Optional<byte[]> open(byte[] sealed, String name, int index) {
        if (sealed == null || sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != FORMAT) {
            return Optional.empty();
        }
        try {
            Cipher cipher = AES_GCM.get();
            cipher.init(Cipher.DECRYPT_MODE, keys.get(index).aes(), new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(name.getBytes(StandardCharsets.UTF_8));
            return Optional.of(cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }

    private static Derived derive(String setting, String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(setting + " is not valid base64; " + HOW_TO_MAKE_A_KEY);
        }
        if (key.length != 32) {
            throw new IllegalStateException(setting + " must be 32 bytes, base64-encoded; " + HOW_TO_MAKE_A_KEY);
        }
        return derive(key);
    }

    private static Derived derive(byte[] master) {
        SecretKeySpec root = new SecretKeySpec(master, "HmacSHA256");
        return new Derived(
                new SecretKeySpec(mac(root, "tokenbroker/aes-256-gcm"), "AES"),
                new SecretKeySpec(mac(root, "tokenbroker/key-names"), "HmacSHA256"),
                new SecretKeySpec(mac(root, "tokenbroker/fingerprints"), "HmacSHA256"));
    }

    private static String hmac(SecretKeySpec key, String value, int bytes) {
        byte[] full = mac(key, value);
        return HexFormat.of().formatHex(full, 0, bytes);
    }

    private static byte[] mac(SecretKeySpec key, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
