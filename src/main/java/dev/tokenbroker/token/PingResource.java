package dev.tokenbroker.token;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /ping}: answers {@code pong} on the API port, unauthenticated and without touching any state.
 * A sidecar's application can wait on it; the benchmark uses it as the server's baseline.
 */
@Path("/ping")
public class PingResource {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String ping() {
        return "pong";
    }
}
