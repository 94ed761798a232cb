package dev.tokenbroker.caller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenbroker.reload.LastGood;
import java.io.IOException;
import java.net.URI;

/**
 * An issuer's OpenID discovery document (OpenID Connect Discovery 1.0), as EKS, GKE, AKS and the kube-apiserver
 * publish it for ServiceAccount tokens: where it is, and the {@code jwks_uri} it names.
 */
final class OpenIdDiscovery {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenIdDiscovery() {}

    /** {@code <issuer>/.well-known/openid-configuration} (section 4); the issuer must be an https URL. */
    static URI url(String issuer) {
        String base = issuer.strip();
        if (!base.startsWith("https://")) {
            throw new IllegalStateException("an issuer whose keys are found through discovery must be an https URL");
        }
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/.well-known/openid-configuration");
    }

    /**
     * The {@code jwks_uri} of a discovery document, which must name this issuer (section 4.3: a document served for
     * another issuer is not to be used) and an https URL. Problems are described without quoting the document.
     */
    static URI jwksUri(byte[] document, String issuer) throws LastGood.Unusable {
        JsonNode json;
        try {
            json = JSON.readTree(document);
        } catch (JsonProcessingException e) {
            throw new LastGood.Unusable("discovery document is not JSON");
        } catch (IOException e) {
            throw new LastGood.Unusable("discovery document cannot be read");
        }
        if (json == null || !json.isObject()) {
            throw new LastGood.Unusable("discovery document is not a JSON object");
        }
        if (!json.path("issuer").asText("").equals(issuer.strip())) {
            throw new LastGood.Unusable("discovery document names another issuer");
        }
        String jwksUri = json.path("jwks_uri").asText("");
        if (jwksUri.isEmpty()) {
            throw new LastGood.Unusable("discovery document has no jwks_uri");
        }
        if (!jwksUri.startsWith("https://")) {
            throw new LastGood.Unusable("discovery document's jwks_uri is not https");
        }
        try {
            return URI.create(jwksUri);
        } catch (IllegalArgumentException e) {
            throw new LastGood.Unusable("discovery document's jwks_uri is not a URL");
        }
    }
}
