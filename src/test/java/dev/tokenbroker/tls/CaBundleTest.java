package dev.tokenbroker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.testing.TestCa;
import java.security.KeyStore;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CaBundleTest {

    private static final TestCa FIRST = TestCa.create("first CA");
    private static final TestCa SECOND = TestCa.create("second CA");

    @Test
    void readsEveryCertificateOfABundleAndIgnoresTextBetweenThem() throws Exception {
        CaBundle bundle = CaBundle.parse("# first\n" + FIRST.pem() + "\nsubject=CN = second CA\n" + SECOND.pem());

        assertThat(bundle.certificates()).containsExactly(FIRST.certificate(), SECOND.certificate());
        assertThat(bundle).isEqualTo(CaBundle.parse(FIRST.pem() + SECOND.pem()));
        assertThat(bundle.fingerprint()).isEqualTo(CaBundle.parse(FIRST.pem() + SECOND.pem()).fingerprint())
                .isNotEqualTo(CaBundle.parse(FIRST.pem()).fingerprint());
        assertThat(bundle.toString()).startsWith("CaBundle[2 certificates, sha256=");
    }

    @Test
    void trustStoreHoldsTheSystemCasAndTheBundle() throws Exception {
        KeyStore trust = CaBundle.parse(FIRST.pem()).trustStore();

        assertThat(trust.getCertificateAlias(FIRST.certificate())).isNotNull();
        assertThat(Collections.list(trust.aliases())).as("the system CAs too").hasSizeGreaterThan(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "not a PEM file at all",
        "-----BEGIN CERTIFICATE-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nTUlJQnNlY3JldC1sb29raW5n\n",
        "-----BEGIN PRIVATE KEY-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN X509 CRL-----\nTUlJQnNlY3JldC1sb29raW5n\n-----END X509 CRL-----\n",
    })
    void unusableBundleIsDescribedWithoutItsContent(String pem) {
        assertThatThrownBy(() -> CaBundle.parse(pem))
                .isInstanceOf(CaBundle.InvalidCaBundle.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("TUlJQnNlY3JldC1sb29raW5n").doesNotContain("!!!!"));
    }

    @Test
    void privateKeyNextToACertificateIsRefused() {
        String withKey = FIRST.pem() + FIRST.issueForLocalhost("server").keyPem();
        assertThatThrownBy(() -> CaBundle.parse(withKey)).hasMessage("holds a private key; only CA certificates belong here");
    }
}
