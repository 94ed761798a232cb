package dev.tokenbroker.api;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /ping}: answers {@code pong} on the API port, unauthenticated and without touching any state.
 * A sidecar's application can wait on it; the benchmark uses it as the server's baseline. It runs on the event
 * loop, as {@code GET /tokens} does when it answers from memory, so that the two compare like with like.
 */
@Path("/ping")
public class PingResource {

    @GET
    @NonBlocking
    @Produces(MediaType.TEXT_PLAIN)
    public String ping() {
        return "pong";
    }
}
