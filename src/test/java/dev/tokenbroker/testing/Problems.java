package dev.tokenbroker.testing;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** Assertions on RFC 9457 answers as docs/api.md words them. */
public final class Problems {

    private Problems() {}

    /** GETs the path and checks the answer is exactly this problem; a 401 also names the Bearer scheme. */
    public static ValidatableResponse get(RequestSpecification request, String path, int status, String code) {
        ValidatableResponse response = request.when().get(path)
                .then().statusCode(status)
                .contentType("application/problem+json")
                .header("Cache-Control", "no-store")
                .body("code", equalTo(code))
                .body("status", equalTo(status))
                .body("type", equalTo("urn:token-broker:problem:" + code))
                .body("title", notNullValue())
                .body("detail", notNullValue());
        return status == 401 ? response.header("WWW-Authenticate", startsWith("Bearer")) : response;
    }
}
