package dev.tokenbroker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What an operator ships, as files for {@code check}: a credentials directory mounted as the kubelet mounts Secrets
 * ({@link SecretMount}) and a callers file. {@link #good} is a configuration the broker loads without a problem;
 * the methods after it add one mistake each. Every file holds recognisable secret values ({@link #SECRETS}), so a
 * test can show that no output quotes them.
 */
public final class ShippedConfiguration {

    /** Values in the files that must never appear in what {@code check} or {@code hash-key} prints. */
    public static final List<String> SECRETS = List.of(Fixtures.CLIENT_SECRET, Fixtures.CLIENT_SECRET_NEXT,
            Fixtures.CLIENT_ID, Fixtures.BILLING_KEY, Fixtures.OPS_KEY, Fixtures.sha256(Fixtures.BILLING_KEY),
            Fixtures.sha256(Fixtures.OPS_KEY), "p8e-TESTSECRET");

    /** Environment for the jar's commands under which the shipped credentials' token endpoint (IMS) is an allowed host. */
    public static final Map<String, String> ALLOW_IMS = Map.of("TOKENBROKER_UPSTREAM_ALLOWED_HOSTS", "*.adobelogin.com");

    private final Path credentials;
    private final Path callers;
    private final SecretMount mount;

    private ShippedConfiguration(Path dir) {
        this.credentials = dir.resolve("credentials");
        this.callers = dir.resolve("callers.yaml");
        this.mount = new SecretMount(credentials);
    }

    /** Two credentials (adobe-admin; analytics, mid-rotation) and two callers whose grants fit them, under {@code dir}. */
    public static ShippedConfiguration good(Path dir) {
        ShippedConfiguration shipped = new ShippedConfiguration(dir);
        shipped.mount.write(Fixtures.CREDENTIAL, Fixtures.adobeAdmin("https://ims-na1.adobelogin.com/ims/token/v3"));
        shipped.mount.write("analytics", Map.of("client_id", Fixtures.CLIENT_ID + "-analytics",
                "client_secret", Fixtures.CLIENT_SECRET, "client_secret_next", Fixtures.CLIENT_SECRET_NEXT,
                "scopes", "openid AdobeID", "token_url", "https://ims-na1.adobelogin.com/ims/token/v3"));
        shipped.writeCallers("""
                callers:
                  - name: billing
                    api-key-sha256: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID, user_management_sdk]
                  - name: ops
                    api-key-sha256: %s
                    purge: [adobe-admin]
                    grants:
                      - credential: analytics
                        scopes: ["*"]
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY), Fixtures.sha256(Fixtures.OPS_KEY)));
        return shipped;
    }

    public Path credentials() {
        return credentials;
    }

    public Path callers() {
        return callers;
    }

    public SecretMount mount() {
        return mount;
    }

    /** Runs the packaged jar with {@code args}, the token endpoint allowed ({@link #ALLOW_IMS}), nothing on standard input. */
    public static JarCommand.Result command(String... args) {
        return JarCommand.run(List.of(args), Map.of(), ALLOW_IMS, "");
    }

    /** Replaces the callers file. */
    public void writeCallers(String yaml) {
        try {
            Files.writeString(callers, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One mistake of each kind the check knows, with their expected findings: a credential without
     * {@code client_secret}, one whose {@code token_url} names another host, a misspelt file, a directory with a name
     * the broker ignores; in the callers file (line numbers in the comments), a digest that is a raw key, a digest
     * listed twice, a grant for a credential that is not there and one for scopes it does not have.
     */
    public void breakEverything() {
        mount.write("no-secret", Map.of("client_id", Fixtures.CLIENT_ID, "scopes", "openid"));
        mount.write("elsewhere", Map.of("client_id", Fixtures.CLIENT_ID, "client_secret", Fixtures.CLIENT_SECRET,
                "scopes", "openid", "token_url", "https://idp.example.org/token"));
        mount.update("analytics", "client-secret", Fixtures.CLIENT_SECRET_NEXT);
        mount.write("Not_A_Name", Map.of("client_id", Fixtures.CLIENT_ID, "client_secret", Fixtures.CLIENT_SECRET,
                "scopes", "openid"));
        writeCallers("""
                callers:
                  - name: billing
                    api-key-sha256: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID, photoshop]
                  - name: ops
                    api-key-sha256: %s
                    grants:
                      - credential: ghost
                        scopes: ["*"]
                  - name: copy
                    api-key-sha256: %s
                  - name: pasted-key
                    api-key-sha256: %s
                """.formatted(Fixtures.sha256(Fixtures.BILLING_KEY), Fixtures.sha256(Fixtures.OPS_KEY),
                        Fixtures.sha256(Fixtures.BILLING_KEY), Fixtures.BILLING_KEY));
    }
}
