package dev.tokenbroker.oauth;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a token request whose body is not a form before any resource is chosen, with an RFC 6749 error (the
 * framework's own 415 would be a problem, which OAuth clients do not parse). {@code /oauth2/token} and {@code /oauth2/revoke} take
 * {@code application/x-www-form-urlencoded}; the IMS paths also {@code multipart/form-data}, as IMS does.
 */
public class FormBodies {

    @ServerRequestFilter(preMatching = true)
    public Response formOnly(ContainerRequestContext request) {
        if (!HttpMethod.POST.equals(request.getMethod())) {
            return null;
        }
        String path = request.getUriInfo().getPath();
        MediaType type = request.getMediaType();
        boolean urlencoded = type != null && type.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE);
        boolean multipart = type != null && type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE);
        if ((path.equals("/oauth2/token") || path.equals("/oauth2/revoke")) && !urlencoded) {
            return refused("The request body must be " + MediaType.APPLICATION_FORM_URLENCODED + ".");
        }
        if (path.startsWith("/ims/token/") && !urlencoded && !multipart) {
            return refused("The request body must be " + MediaType.APPLICATION_FORM_URLENCODED + " or "
                    + MediaType.MULTIPART_FORM_DATA + ".");
        }
        return null;
    }

    private static Response refused(String description) {
        return OAuthAnswers.answer(OAuthError.invalidRequest(description), OAuthAnswers.Proof.CLIENT);
    }
}
