package dev.tokenbroker.problem;

/** The body of an {@code application/problem+json} answer (RFC 9457). */
public record Problem(String type, String title, int status, String detail, String code) {

    /** Media type of problem answers. */
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(ProblemCode code, String detail) {
        return new Problem("urn:token-broker:problem:" + code.code(), code.title(), code.status(), detail, code.code());
    }
}
