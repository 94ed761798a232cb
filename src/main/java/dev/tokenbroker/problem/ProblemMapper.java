package dev.tokenbroker.problem;

import dev.tokenbroker.token.TokenException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into an RFC 9457 problem; nothing else (no stack trace, no upstream body) reaches a caller. */
public class ProblemMapper {

    @ServerExceptionMapper
    public Response problem(TokenException e) {
        ProblemCode code = ProblemCode.of(e.refusal());
        Response.ResponseBuilder answer = answer(code, e.getMessage());
        if (code == ProblemCode.UNAUTHENTICATED) {
            answer.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"token-broker\"");
        }
        e.retryAfter().ifPresent(wait -> answer.header(HttpHeaders.RETRY_AFTER, Math.max(1, wait.toSeconds())));
        return answer.build();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return answer(ProblemCode.NOT_FOUND, "No such resource.").build();
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return answer(ProblemCode.METHOD_NOT_ALLOWED, "Method not allowed on this resource.").build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        return answer(ProblemCode.INVALID_REQUEST, "The request could not be read.").build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        // The class name only: messages of unexpected exceptions are not known to be free of secrets.
        Log.errorf("event=unexpected_error exception=%s", e.getClass().getName());
        return answer(ProblemCode.INTERNAL_ERROR, "An unexpected error occurred.").build();
    }

    private static Response.ResponseBuilder answer(ProblemCode code, String detail) {
        return Response.status(code.status())
                .type(Problem.MEDIA_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .entity(Problem.of(code, detail));
    }
}
