package dev.tokenbroker.token;

import java.util.Locale;

/**
 * Why a request gets no token: the stable codes of the API (docs/api.md, "Errors"). Each HTTP surface maps them in
 * one place: {@code problem.ProblemMapper} to RFC 9457 problems, the OAuth endpoint to RFC 6749 errors.
 */
public enum Refusal {
    /** A missing or malformed parameter. */
    INVALID_REQUEST,
    /** A scope the credential does not have. */
    INVALID_SCOPE,
    /** No caller proof, or a bad one. */
    UNAUTHENTICATED,
    /** No grant for this credential or scope (or no such credential, so that names cannot be probed). */
    FORBIDDEN,
    /** The caller holds a grant, but no such credential is loaded. */
    UNKNOWN_CREDENTIAL,
    /** The identity provider refused the client: a configuration problem. */
    UPSTREAM_REJECTED,
    /** The identity provider cannot give a token now and nothing cached fits. */
    UPSTREAM_UNAVAILABLE,
    /** The request needs a mint and the credential's mint budget is spent. */
    MINT_BUDGET_EXHAUSTED,
    /** The shared cache could not be reached for a purge. */
    CACHE_UNAVAILABLE;

    /** The code as callers see it, e.g. {@code invalid_scope}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
