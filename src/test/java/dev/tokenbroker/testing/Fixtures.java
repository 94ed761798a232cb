package dev.tokenbroker.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** The credentials, secrets and caller keys that tests share. None of them is real. */
public final class Fixtures {

    public static final String CREDENTIAL = "adobe-admin";
    public static final String CLIENT_ID = "4f0e1c7d2b9a4e6f8a1b3c5d7e9f0a2b";
    public static final String CLIENT_SECRET = "p8e-TESTSECRET-primary-0123456789abcdef";
    public static final String CLIENT_SECRET_NEXT = "p8e-TESTSECRET-next-fedcba9876543210";
    public static final String ORG_ID = "0123456789ABCDEF01234567@AdobeOrg";
    public static final String TECHNICAL_ACCOUNT_ID = "ABCDEF0123456789ABCDEF01@techacct.adobe.com";
    public static final String SCOPES = "openid,AdobeID,user_management_sdk,read_organizations,additional_info.projectedProductContext";

    /** Grants adobe-admin: openid, AdobeID, user_management_sdk; and a grant for a credential never loaded. */
    public static final String BILLING_KEY = "tb-billing-key-7c1f2e9d4b6a8c0e5f3a1b9d";
    /** Grants adobe-admin: "*". */
    public static final String OPS_KEY = "tb-ops-key-3a5c7e9b1d2f4a6c8e0a2c4e";
    /** Grants only another credential. */
    public static final String STRANGER_KEY = "tb-stranger-key-0f9e8d7c6b5a43210fed";

    /** A ServiceAccount caller (namespace/name) granted adobe-admin: openid, AdobeID. */
    public static final String PAYMENTS_SERVICE_ACCOUNT = "payments/billing";
    /** A ServiceAccount caller granted only another credential. */
    public static final String REPORTS_SERVICE_ACCOUNT = "reports/reader";

    public static final String TOKEN_PATH = "/ims/token/v3";

    private Fixtures() {}

    public static Map<String, String> adobeAdmin(String tokenUrl) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("client_id", CLIENT_ID + "\n");
        files.put("client_secret", CLIENT_SECRET + "\n");
        files.put("scopes", SCOPES + "\n");
        files.put("default_scopes", "openid,AdobeID\n");
        files.put("token_url", tokenUrl + "\n");
        files.put("org_id", ORG_ID);
        files.put("technical_account_id", TECHNICAL_ACCOUNT_ID);
        return files;
    }

    public static String callersYaml() {
        return """
                callers:
                  - name: billing
                    api-key-sha256: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID, user_management_sdk]
                      - credential: ghost
                        scopes: ["*"]
                  - name: ops
                    api-key-sha256: %s
                    purge: [adobe-admin]
                    grants:
                      - credential: adobe-admin
                        scopes: ["*"]
                      - credential: conformance
                        scopes: ["*"]
                  - name: stranger
                    api-key-sha256: %s
                    grants:
                      - credential: other
                        scopes: ["*"]
                  - name: payments
                    service-account: %s
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID]
                  - name: reports
                    service-account: %s
                    grants:
                      - credential: other
                        scopes: ["*"]
                """.formatted(sha256(BILLING_KEY), sha256(OPS_KEY), sha256(STRANGER_KEY), PAYMENTS_SERVICE_ACCOUNT,
                        REPORTS_SERVICE_ACCOUNT);
    }

    public static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
