package dev.tokenbroker.credential;

import java.math.BigInteger;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;

/**
 * The public point of an EC private key (d times the generator, affine arithmetic on a prime curve): the JDK has
 * no API for it, and a PKCS#8 key need not carry its public key. Used once per key read, never per request.
 */
final class EcPoints {

    private static final BigInteger TWO = BigInteger.TWO;
    private static final BigInteger THREE = BigInteger.valueOf(3);

    private EcPoints() {}

    static ECPoint multiply(ECParameterSpec spec, BigInteger d) {
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger a = spec.getCurve().getA();
        ECPoint result = ECPoint.POINT_INFINITY;
        for (int i = d.bitLength() - 1; i >= 0; i--) {
            result = add(result, result, p, a);
            if (d.testBit(i)) {
                result = add(result, spec.getGenerator(), p, a);
            }
        }
        return result;
    }

    private static ECPoint add(ECPoint s, ECPoint t, BigInteger p, BigInteger a) {
        if (s.equals(ECPoint.POINT_INFINITY)) {
            return t;
        }
        if (t.equals(ECPoint.POINT_INFINITY)) {
            return s;
        }
        BigInteger lambda;
        if (s.getAffineX().equals(t.getAffineX())) {
            if (s.getAffineY().add(t.getAffineY()).mod(p).signum() == 0) {
                return ECPoint.POINT_INFINITY;
            }
            lambda = THREE.multiply(s.getAffineX().pow(2)).add(a)
                    .multiply(TWO.multiply(s.getAffineY()).modInverse(p)).mod(p);
        } else {
            lambda = t.getAffineY().subtract(s.getAffineY())
                    .multiply(t.getAffineX().subtract(s.getAffineX()).modInverse(p)).mod(p);
        }
        BigInteger x = lambda.pow(2).subtract(s.getAffineX()).subtract(t.getAffineX()).mod(p);
        BigInteger y = lambda.multiply(s.getAffineX().subtract(x)).subtract(s.getAffineY()).mod(p);
        return new ECPoint(x, y);
    }
}
