package dev.tokenbroker.credential;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reader of key material: a PEM private key (PKCS#8 {@code PRIVATE KEY}, or the traditional
 * {@code RSA PRIVATE KEY} and {@code EC PRIVATE KEY} that cert-manager and openssl write) and an optional PEM
 * certificate chain, leaf first. It refuses RSA keys under 2048 bits, EC keys on curves other than P-256 and
 * P-384, encrypted keys, and a certificate whose public key is not the key's. Only the JDK's providers are used
 * (nimbus's own PEM parser needs BouncyCastle); messages say what is wrong, never what the file holds.
 */
public final class PemReader {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]{1,40})-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final Pattern ANY_BEGIN = Pattern.compile("-----BEGIN ");
    private static final int MIN_RSA_BITS = 2048;
    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

    private PemReader() {}

    /** Key material that cannot be used; {@link #inCertificate()} says whether the certificate is at fault. */
    public static final class InvalidKeyMaterial extends Exception {
        private final boolean inCertificate;

        InvalidKeyMaterial(boolean inCertificate, String problem) {
            super(problem, null, false, false);
            this.inCertificate = inCertificate;
        }

        public boolean inCertificate() {
            return inCertificate;
        }
    }

    /** Reads and checks a private key and, when given, its certificate chain. */
    public static ClientKey clientKey(String keyPem, Optional<String> chainPem) throws InvalidKeyMaterial {
        PrivateKey key = privateKey(keyPem);
        PublicKey publicKey = publicKeyOf(key);
        String algorithm;
        String thumbprint;
        try {
            if (publicKey instanceof RSAPublicKey rsa) {
                if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
                    throw new InvalidKeyMaterial(false, "is an RSA key of " + rsa.getModulus().bitLength()
                            + " bits; at least " + MIN_RSA_BITS + " are needed");
                }
                algorithm = "RS256";
                thumbprint = new RSAKey.Builder(rsa).build().computeThumbprint().toString();
            } else {
                ECPublicKey ec = (ECPublicKey) publicKey;
                Curve curve = Curve.forECParameterSpec(ec.getParams());
                if (!Curve.P_256.equals(curve) && !Curve.P_384.equals(curve)) {
                    throw new InvalidKeyMaterial(false, "is an EC key on "
                            + (curve == null ? "an unnamed curve" : curve.getName()) + "; only P-256 and P-384 are used");
                }
                algorithm = Curve.P_256.equals(curve) ? "ES256" : "ES384";
                thumbprint = new ECKey.Builder(curve, ec).build().computeThumbprint().toString();
            }
        } catch (JOSEException e) {
            throw new InvalidKeyMaterial(false, "has no computable thumbprint");
        }
        List<X509Certificate> chain = chainPem.isPresent() ? certificates(chainPem.get()) : List.of();
        if (!chain.isEmpty() && !samePublicKey(chain.get(0).getPublicKey(), publicKey)) {
            throw new InvalidKeyMaterial(true, "its first certificate is not for the private key");
        }
        return new ClientKey(key, publicKey, chain, algorithm, thumbprint);
    }

    private static PrivateKey privateKey(String pem) throws InvalidKeyMaterial {
        if (pem.contains("ENCRYPTED")) {
            throw new InvalidKeyMaterial(false, "is encrypted; the broker needs an unencrypted key");
        }
        PrivateKey key = null;
        Matcher block = BLOCK.matcher(pem);
        int blocks = 0;
        while (block.find()) {
            blocks++;
            String label = block.group(1);
            if (label.equals("EC PARAMETERS")) {
                continue; // openssl ecparam -genkey writes the curve's name before the key
            }
            if (key != null) {
                throw new InvalidKeyMaterial(false, "holds more than one private key");
            }
            byte[] der = decode(block.group(2), false);
            key = switch (label) {
                case "PRIVATE KEY" -> pkcs8(der);
                case "RSA PRIVATE KEY" -> pkcs8(Der.sequence(Der.integerZero(), RSA_ALGORITHM, Der.octetString(der)));
                case "EC PRIVATE KEY" -> pkcs8(Der.sequence(Der.integerZero(),
                        Der.sequence(EC_PUBLIC_KEY_OID, Der.sec1CurveOid(der)), Der.octetString(der)));
                default -> throw new InvalidKeyMaterial(false, "PEM block " + blocks + " is not a private key");
            };
        }
        if (ANY_BEGIN.matcher(pem).results().count() != blocks) {
            throw new InvalidKeyMaterial(false, "holds a PEM block that is cut off or malformed");
        }
        if (key == null) {
            throw new InvalidKeyMaterial(false, "holds no PEM private key");
        }
        return key;
    }

    private static PrivateKey pkcs8(byte[] der) throws InvalidKeyMaterial {
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm; try the next
            }
        }
        throw new InvalidKeyMaterial(false, "is neither an RSA nor an EC private key that can be read");
    }

    private static PublicKey publicKeyOf(PrivateKey key) throws InvalidKeyMaterial {
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                return KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (key instanceof ECPrivateKey ec) {
                return KeyFactory.getInstance("EC").generatePublic(
                        new ECPublicKeySpec(EcPoints.multiply(ec.getParams(), ec.getS()), ec.getParams()));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidKeyMaterial(false, "has no public key that can be derived");
        }
        throw new InvalidKeyMaterial(false, "is an RSA key without its CRT parameters");
    }

    private static List<X509Certificate> certificates(String pem) throws InvalidKeyMaterial {
        List<X509Certificate> chain = new ArrayList<>();
        Matcher block = BLOCK.matcher(pem);
        int blocks = 0;
        while (block.find()) {
            blocks++;
            if (!block.group(1).equals("CERTIFICATE")) {
                throw new InvalidKeyMaterial(true, "PEM block " + blocks + " is not a CERTIFICATE");
            }
            try {
                chain.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(decode(block.group(2), true))));
            } catch (CertificateException | ClassCastException e) {
                throw new InvalidKeyMaterial(true, "certificate " + blocks + " is not a valid X.509 certificate");
            }
        }
        if (ANY_BEGIN.matcher(pem).results().count() != blocks) {
            throw new InvalidKeyMaterial(true, "holds a PEM block that is cut off or malformed");
        }
        if (chain.isEmpty()) {
            throw new InvalidKeyMaterial(true, "holds no PEM certificate");
        }
        return chain;
    }

    private static byte[] decode(String base64, boolean certificate) throws InvalidKeyMaterial {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidKeyMaterial(certificate, "holds a PEM block that is not base64");
        }
    }

    private static boolean samePublicKey(PublicKey a, PublicKey b) {
        if (a instanceof RSAPublicKey x && b instanceof RSAPublicKey y) {
            return x.getModulus().equals(y.getModulus()) && x.getPublicExponent().equals(y.getPublicExponent());
        }
        if (a instanceof ECPublicKey x && b instanceof ECPublicKey y) {
            return x.getW().equals(y.getW()) && Curve.forECParameterSpec(x.getParams()) != null
                    && Curve.forECParameterSpec(x.getParams()).equals(Curve.forECParameterSpec(y.getParams()));
        }
        return false;
    }

    /** Just enough DER to wrap a traditional key into PKCS#8 and to find a SEC1 key's curve. */
    private static final class Der {

        static byte[] integerZero() {
            return new byte[] {0x02, 0x01, 0x00};
        }

        static byte[] octetString(byte[] content) {
            return tlv(0x04, content);
        }

        static byte[] sequence(byte[]... parts) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            for (byte[] part : parts) {
                content.writeBytes(part);
            }
            return tlv(0x30, content.toByteArray());
        }

        /** SEC1 ECPrivateKey: SEQUENCE { version, privateKey OCTET STRING, [0] curve OID, [1] public key }. */
        static byte[] sec1CurveOid(byte[] sec1) throws InvalidKeyMaterial {
            try {
                int[] outer = header(sec1, 0, 0x30);
                int at = outer[0];
                int end = outer[0] + outer[1];
                while (at < end) {
                    int tag = sec1[at] & 0xff;
                    int[] field = header(sec1, at, tag);
                    if (tag == 0xa0) {
                        int[] oid = header(sec1, field[0], 0x06);
                        return java.util.Arrays.copyOfRange(sec1, field[0], oid[0] + oid[1]);
                    }
                    at = field[0] + field[1];
                }
            } catch (IndexOutOfBoundsException e) {
                // falls through to the refusal
            }
            throw new InvalidKeyMaterial(false, "is an EC PRIVATE KEY without a named curve");
        }

        /** {content offset, content length} of the element at {@code at}, which must have this tag. */
        private static int[] header(byte[] der, int at, int tag) {
            if ((der[at] & 0xff) != tag) {
                throw new IndexOutOfBoundsException();
            }
            int first = der[at + 1] & 0xff;
            if (first < 0x80) {
                return new int[] {at + 2, first};
            }
            int bytes = first & 0x7f;
            if (bytes > 3) {
                throw new IndexOutOfBoundsException();
            }
            int length = 0;
            for (int i = 0; i < bytes; i++) {
                length = (length << 8) | (der[at + 2 + i] & 0xff);
            }
            return new int[] {at + 2 + bytes, length};
        }

        private static byte[] tlv(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int length = content.length;
            if (length < 0x80) {
                out.write(length);
            } else {
                byte[] digits = BigInteger.valueOf(length).toByteArray();
                int skip = digits[0] == 0 ? 1 : 0;
                out.write(0x80 | (digits.length - skip));
                out.write(digits, skip, digits.length - skip);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }
    }
}
