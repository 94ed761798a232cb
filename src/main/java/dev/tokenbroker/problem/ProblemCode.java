package dev.tokenbroker.problem;

import dev.tokenbroker.token.Refusal;
import java.util.Locale;

/** The stable {@code code} of every problem the API answers with, and its HTTP status. */
public enum ProblemCode {
    INVALID_REQUEST(400, "Invalid request"),
    INVALID_SCOPE(400, "Invalid scope"),
    UNAUTHENTICATED(401, "Unauthenticated"),
    FORBIDDEN(403, "Forbidden"),
    NOT_FOUND(404, "Not found"),
    UNKNOWN_CREDENTIAL(404, "Unknown credential"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    MINT_BUDGET_EXHAUSTED(429, "Mint budget exhausted"),
    INTERNAL_ERROR(500, "Internal error"),
    UPSTREAM_REJECTED(502, "Identity provider rejected the request"),
    UPSTREAM_UNAVAILABLE(503, "Identity provider unavailable"),
    CACHE_UNAVAILABLE(503, "Shared cache unavailable");

    private final int status;
    private final String title;

    ProblemCode(int status, String title) {
        this.status = status;
        this.title = title;
    }

    /** The problem a domain refusal is answered with. */
    public static ProblemCode of(Refusal refusal) {
        return valueOf(refusal.name());
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The value of the {@code code} member, e.g. {@code invalid_scope}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
