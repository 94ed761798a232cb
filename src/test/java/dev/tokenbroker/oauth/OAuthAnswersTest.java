package dev.tokenbroker.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.caller.GrantRefused;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.TokenException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one mapping of the token path's refusals to RFC 6749 5.2 errors, for every refusal there is. */
class OAuthAnswersTest {

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(Refusal.INVALID_REQUEST, 400, "invalid_request", "invalid_request"),
                Arguments.of(Refusal.INVALID_SCOPE, 400, "invalid_scope", "invalid_scope"),
                Arguments.of(Refusal.UNAUTHENTICATED, 401, "invalid_client", "invalid_grant"),
                Arguments.of(Refusal.FORBIDDEN, 400, "unauthorized_client", "invalid_target"),
                Arguments.of(Refusal.UNKNOWN_CREDENTIAL, 500, "server_error", "server_error"),
                Arguments.of(Refusal.UPSTREAM_REJECTED, 503, "temporarily_unavailable", "temporarily_unavailable"),
                Arguments.of(Refusal.UPSTREAM_UNAVAILABLE, 503, "temporarily_unavailable", "temporarily_unavailable"),
                Arguments.of(Refusal.MINT_BUDGET_EXHAUSTED, 503, "temporarily_unavailable", "temporarily_unavailable"),
                Arguments.of(Refusal.CACHE_UNAVAILABLE, 503, "temporarily_unavailable", "temporarily_unavailable"));
    }

    @Test
    void everyRefusalHasAnAnswer() {
        assertThat(refusals().map(a -> a.get()[0])).containsExactlyInAnyOrder((Object[]) Refusal.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusalIsAnRfc6749Error(Refusal refusal, int status, String clientError, String subjectTokenError) {
        TokenException refused = new TokenException(refusal, "Credential secret-name is not loaded.", Optional.of(Duration.ofSeconds(42)));
        Response client = OAuthAnswers.answer(refused, OAuthAnswers.Proof.CLIENT);
        Response exchange = OAuthAnswers.answer(refused, OAuthAnswers.Proof.SUBJECT_TOKEN);
        assertThat(client.getStatus()).isEqualTo(status);
        assertThat(((OAuthError) client.getEntity()).error()).isEqualTo(clientError);
        assertThat(((OAuthError) exchange.getEntity()).error()).isEqualTo(subjectTokenError);
        assertThat(client.getHeaderString("Cache-Control")).isEqualTo("no-store");
        assertThat(client.getHeaderString("Retry-After")).isEqualTo(status == 503 ? "42" : null);
        assertThat(client.getHeaderString("WWW-Authenticate")).isEqualTo(status == 401 ? "Basic realm=\"token-broker\"" : null);
        if (clientError.equals("invalid_client")) {
            assertThat(((OAuthError) client.getEntity()).errorDescription()).doesNotContain("secret-name");
            assertThat(((OAuthError) exchange.getEntity()).errorDescription()).doesNotContain("secret-name");
        }
    }

    /**
     * A client without a grant for the credential is {@code unauthorized_client}; scopes beyond its grant (or no default
     * scope within it) are {@code invalid_scope}: never {@code invalid_client}, which clients report as bad credentials.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource({
        "NO_GRANT_FOR_CREDENTIAL, FORBIDDEN, unauthorized_client, invalid_target",
        "SCOPES_NOT_GRANTED, FORBIDDEN, invalid_scope, invalid_scope",
        "NO_DEFAULT_SCOPE_GRANTED, FORBIDDEN, invalid_scope, invalid_scope",
        "SCOPES_NOT_IN_CREDENTIAL, INVALID_SCOPE, invalid_scope, invalid_scope",
        "CREDENTIAL_NOT_LOADED, UNKNOWN_CREDENTIAL, server_error, server_error"})
    void eachGrantRefusalHasItsOwnError(GrantRefused.Reason reason, Refusal refusal, String clientError, String exchangeError) {
        GrantRefused refused = new GrantRefused(refusal, reason, "No grant for scopes: read_organizations.");
        Response client = OAuthAnswers.answer(refused, OAuthAnswers.Proof.CLIENT);
        assertThat(client.getStatus()).isEqualTo(clientError.equals("server_error") ? 500 : 400);
        assertThat(((OAuthError) client.getEntity()).error()).isEqualTo(clientError);
        assertThat(client.getHeaderString("WWW-Authenticate")).isNull();
        assertThat(((OAuthError) OAuthAnswers.answer(refused, OAuthAnswers.Proof.SUBJECT_TOKEN).getEntity()).error())
                .isEqualTo(exchangeError);
    }

    @Test
    void unexpectedFailureIsAServerErrorWithoutItsMessage() {
        Response answer = OAuthAnswers.answer(new IllegalStateException("tb-ops-key-leaked"), OAuthAnswers.Proof.CLIENT);
        assertThat(answer.getStatus()).isEqualTo(500);
        assertThat(((OAuthError) answer.getEntity()).error()).isEqualTo("server_error");
        assertThat(((OAuthError) answer.getEntity()).errorDescription()).doesNotContain("tb-ops-key");
    }
}
