package dev.tokenbroker.tls;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Logs the certificate the API port (and the management port, which uses the same TLS configuration) presents: at
 * start, and when the TLS registry's periodic reload finds a different one. Quarkus reloads and re-applies the
 * files on every {@code reload-period}, changed or not, and logs each time at INFO; that category is set to WARN
 * in {@code application.properties}, so this is the line that tells a renewal. Never logs a key.
 */
@ApplicationScoped
public class ServerCertificateLog {

    private final TlsConfigurationRegistry registry;
    private final Map<String, String> presented = new ConcurrentHashMap<>();

    ServerCertificateLog(TlsConfigurationRegistry registry) {
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) {
        ConfigProvider.getConfig().getOptionalValue("quarkus.http.tls-configuration-name", String.class)
                .ifPresent(name -> registry.get(name).ifPresent(tls -> log(name, tls)));
    }

    void onReload(@Observes CertificateUpdatedEvent event) {
        log(event.name(), event.tlsConfiguration());
    }

    /** Logs the presented certificate when it is the first seen for this configuration, or differs from the last. */
    private void log(String name, TlsConfiguration tls) {
        leaf(tls.getKeyStore()).ifPresent(certificate -> {
            String description = "subject=\"" + certificate.getSubjectX500Principal().getName() + "\" serial="
                    + certificate.getSerialNumber().toString(16) + " not_after=" + certificate.getNotAfter().toInstant();
            String before = presented.put(name, description);
            if (!description.equals(before)) {
                Log.infof("event=%s configuration=%s %s", before == null ? "tls_certificate_loaded" : "tls_certificate_renewed", name,
                        description);
            }
        });
    }

    private static Optional<X509Certificate> leaf(KeyStore keyStore) {
        if (keyStore == null) {
            return Optional.empty();
        }
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                Certificate[] chain = keyStore.getCertificateChain(alias);
                if (chain != null && chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                    return Optional.of(leaf);
                }
            }
        } catch (KeyStoreException e) {
            Log.debugf("event=tls_certificate_unreadable exception=%s", e.getClass().getSimpleName());
        }
        return Optional.empty();
    }
}
