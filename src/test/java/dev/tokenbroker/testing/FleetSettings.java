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
 * mounted kubelet-style, the fixture callers file, one Redis and one encryption key.
 */
public final class FleetSettings {

    private FleetSettings() {}

    public static Map<String, String> of(String redisHosts, String tokenUrl) {
        try {
            Path root = Files.createTempDirectory("token-broker-fleet");
            SecretMount secrets = new SecretMount(Files.createDirectories(root.resolve("credentials")));
            secrets.write(Fixtures.CREDENTIAL, Fixtures.adobeAdmin(tokenUrl));
            Path callers = root.resolve("callers.yaml");
            Files.writeString(callers, Fixtures.callersYaml());
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return new HashMap<>(Map.of(
                    "quarkus.redis.hosts", redisHosts,
                    "tokenbroker.cache.encryption-key", Base64.getEncoder().encodeToString(key),
                    "tokenbroker.credentials.dir", secrets.root().toString(),
                    "tokenbroker.callers.file", callers.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
