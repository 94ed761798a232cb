package dev.tokenbroker.demo;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * A stand-in for Adobe IMS's token endpoint, so that the demo build serves a token with nothing else
 * installed. It exists only in the demo build ({@code target/token-broker-demo.jar}, the pom's {@code demo} profile):
 * the product jar has no such route. In the demo jar it answers only while the demo profile is active at run time
 * ({@code -Dquarkus.profile=demo}), and 404 otherwise.
 */
@IfBuildProperty(name = "token-broker.demo-build", stringValue = "true")
@Path("/demo/ims/token/v3")
public class DemoTokenEndpoint {

    private final SecureRandom random = new SecureRandom();
    private final boolean demoProfile = ConfigUtils.isProfileActive("demo");

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    public Response token(@FormParam("grant_type") String grantType, @FormParam("client_id") String clientId,
            @FormParam("client_secret") String clientSecret, @FormParam("scope") String scope) {
        if (!demoProfile) {
            return Response.status(Response.Status.NOT_FOUND).build();
        }
        if (!"client_credentials".equals(grantType)) {
            return error("unsupported_grant_type", "grant_type must be client_credentials");
        }
        if (!"demo-client-id".equals(clientId) || !"demo-client-secret".equals(clientSecret)) {
            return error("invalid_client", "invalid client_secret parameter");
        }
        byte[] token = new byte[24];
        random.nextBytes(token);
        return Response.ok(Map.of("access_token", "demo-" + HexFormat.of().formatHex(token),
                "token_type", "bearer", "expires_in", 86399)).build();
    }

    private static Response error(String error, String description) {
        return Response.status(400).entity(Map.of("error", error, "error_description", description)).build();
    }
}
