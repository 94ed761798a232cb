package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.credential.AuthMethod;
import dev.tokenbroker.credential.ClientAuth;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.ScopeSeparator;
import dev.tokenbroker.credential.Secret;
import dev.tokenbroker.token.Refusal;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenParams;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The one decision of a token request (docs/api.md): its order of refusals, each with its reason, and the default
 * scopes within the grant when a request names none.
 */
class GrantDecisionTest {

    /** scopes openid AdobeID user_management_sdk read_organizations; default_scopes openid AdobeID. */
    private static final Credential ADOBE = new Credential("adobe-admin", "client-id",
            new ClientAuth.ClientSecret(AuthMethod.CLIENT_SECRET_POST, new Secret("not-a-real-secret"), Optional.empty()),
            ScopeSet.parse("openid AdobeID user_management_sdk read_organizations"), ScopeSet.parse("openid AdobeID"),
            URI.create("https://ims-na1.adobelogin.com/ims/token/v3"), ScopeSeparator.COMMA, Optional.empty(),
            Optional.empty(), Optional.empty(), TokenParams.NONE, Optional.empty());

    @Test
    void withoutScopesACallerGetsTheDefaultScopesItsGrantsHold() {
        assertThat(decide(caller(grant("openid", "user_management_sdk")), ScopeSet.EMPTY)).isEqualTo(ScopeSet.parse("openid"));
        assertThat(decide(caller(grant("openid"), grant("AdobeID")), ScopeSet.EMPTY)).isSameAs(ADOBE.defaultScopes());
        assertThat(decide(caller(new Grant("adobe-admin", ScopeSet.EMPTY, true)), ScopeSet.EMPTY)).isSameAs(ADOBE.defaultScopes());
    }

    @Test
    void aGrantHoldingNoDefaultScopeIsRefusedSayingSo() {
        assertThatThrownBy(() -> decide(caller(grant("user_management_sdk")), ScopeSet.EMPTY))
                .isInstanceOfSatisfying(GrantRefused.class, e -> {
                    assertThat(e.refusal()).isEqualTo(Refusal.FORBIDDEN);
                    assertThat(e.reason()).isEqualTo(GrantRefused.Reason.NO_DEFAULT_SCOPE_GRANTED);
                    assertThat(e.getMessage()).contains("(AdobeID openid)");
                });
    }

    @Test
    void refusalsComeInTheirOrderEachWithItsReason() {
        Caller caller = caller(grant("openid", "photoshop"));
        assertThat(reason(caller, "other", ScopeSet.parse("openid"), Optional.of(ADOBE)))
                .isEqualTo(GrantRefused.Reason.NO_GRANT_FOR_CREDENTIAL);
        assertThat(reason(caller, "adobe-admin", ScopeSet.parse("openid"), Optional.empty()))
                .isEqualTo(GrantRefused.Reason.CREDENTIAL_NOT_LOADED);
        assertThat(reason(caller, "adobe-admin", ScopeSet.parse("openid AdobeID"), Optional.of(ADOBE)))
                .isEqualTo(GrantRefused.Reason.SCOPES_NOT_GRANTED);
        assertThat(reason(caller, "adobe-admin", ScopeSet.parse("openid photoshop"), Optional.of(ADOBE)))
                .isEqualTo(GrantRefused.Reason.SCOPES_NOT_IN_CREDENTIAL);
        assertThat(decide(caller, ScopeSet.parse("openid"))).isEqualTo(ScopeSet.parse("openid"));
    }

    private static ScopeSet decide(Caller caller, ScopeSet requested) {
        return GrantDecision.scopes(caller, "adobe-admin", requested, Optional.of(ADOBE));
    }

    private static GrantRefused.Reason reason(Caller caller, String name, ScopeSet requested, Optional<Credential> credential) {
        try {
            GrantDecision.scopes(caller, name, requested, credential);
        } catch (GrantRefused e) {
            return e.reason();
        }
        throw new AssertionError("allowed");
    }

    private static Grant grant(String... scopes) {
        return new Grant("adobe-admin", ScopeSet.parse(List.of(scopes)), false);
    }

    private static Caller caller(Grant... grants) {
        return new Caller("c", Optional.of("ab".repeat(32)), Optional.empty(), List.of(grants), Set.of());
    }
}
