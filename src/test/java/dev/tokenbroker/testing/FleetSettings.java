package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Settings that packaged brokers of one fleet share: the fixture credential (pointing at the given token URL)
 * mounted kubelet-style, the fixture callers file, one Redis and one encryption key (or no Redis at all).
 */
public final class FleetSettings {

    private FleetSettings() {}

    public static Map<String, String> of(String redisHosts, String tokenUrl) {
        Map<String, String> settings = inProcess(tokenUrl);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        settings.put("quarkus.redis.hosts", redisHosts);
        settings.put("tokenbroker.cache.encryption-key", Base64.getEncoder().encodeToString(key));
        return settings;
    }

    /** The fixture credential and callers file, without Redis: for a single packaged broker. */
    public static Map<String, String> inProcess(String tokenUrl) {
        try {
            Path root = Files.createTempDirectory("token-broker-fleet");
            SecretMount secrets = new SecretMount(Files.createDirectories(root.resolve("credentials")));
            secrets.write(Fixtures.CREDENTIAL, Fixtures.adobeAdmin(tokenUrl));
            Path callers = root.resolve("callers.yaml");
            Files.writeString(callers, Fixtures.callersYaml());
            return new HashMap<>(Map.of(
                    "tokenbroker.credentials.dir", secrets.root().toString(),
                    "tokenbroker.callers.file", callers.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
