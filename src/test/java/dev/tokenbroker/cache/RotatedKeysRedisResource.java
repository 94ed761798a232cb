package dev.tokenbroker.cache;

import dev.tokenbroker.testing.RedisResource;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** A private Redis, and a broker half way through an encryption-key rotation: a current key and a previous one. */
public class RotatedKeysRedisResource extends RedisResource {

    static final String PREVIOUS_KEY = Base64.getEncoder().encodeToString("previous-key-previous-key-previo".getBytes());
    static final String CURRENT_KEY = Base64.getEncoder().encodeToString("current-key-current-key-current-".getBytes());

    @Override
    public Map<String, String> start() {
        Map<String, String> settings = new HashMap<>(super.start());
        settings.put("tokenbroker.cache.encryption-key", CURRENT_KEY);
        settings.put("tokenbroker.cache.previous-encryption-keys", PREVIOUS_KEY);
        return settings;
    }
}
