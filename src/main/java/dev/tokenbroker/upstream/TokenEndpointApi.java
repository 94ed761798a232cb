package dev.tokenbroker.upstream;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * An OAuth 2.0 token endpoint (RFC 6749 4.4). Built per token URL by {@link TokenEndpoints}, with the default
 * exception mapper off, so that error answers can be read as RFC 6749 5.2 bodies, and redirects not followed.
 */
interface TokenEndpointApi {

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.APPLICATION_JSON)
    Response token(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, MultivaluedMap<String, String> form);
}
