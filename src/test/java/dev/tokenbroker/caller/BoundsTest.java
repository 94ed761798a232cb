package dev.tokenbroker.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tokenbroker.token.ScopeSet;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code bounds:} in a callers file (docs/configuration.md, Grants for many teams): read, checked with lines, applied. */
class BoundsTest {

    @Test
    void boundsAreReadWithTheCallersAndReachOnlyTheirNamespaces() throws Exception {
        CallerPolicy policy = CallersFile.parse("""
                callers: []
                bounds:
                  - namespaces: [payments, "team-*"]
                    grants:
                      - credential: adobe-admin
                        scopes: [openid, AdobeID]
                  - namespaces: [team-a]
                    grants:
                      - credential: adobe-admin
                        scopes: [user_management_sdk]
                      - credential: vault
                        scopes: ["*"]
                """.getBytes(StandardCharsets.UTF_8));

        Bounds bounds = policy.bounds();
        assertThat(bounds.reach("payments", "adobe-admin", ScopeSet.parse("openid AdobeID"), false)).isTrue();
        assertThat(bounds.reach("team-x", "adobe-admin", ScopeSet.parse("openid"), false)).isTrue();
        assertThat(bounds.reach("team-x", "adobe-admin", ScopeSet.parse("user_management_sdk"), false)).isFalse();
        assertThat(bounds.reach("team-a", "adobe-admin", ScopeSet.parse("openid user_management_sdk"), false)).isTrue();
        assertThat(bounds.reach("team-a", "adobe-admin", ScopeSet.parse(""), true)).as("* needs a bound of *").isFalse();
        assertThat(bounds.reach("team-a", "vault", ScopeSet.parse(""), true)).isTrue();
        assertThat(bounds.reach("paymentsx", "adobe-admin", ScopeSet.parse("openid"), false)).isFalse();
        assertThat(bounds.reach("reports", "adobe-admin")).isFalse();
    }

    @Test
    void everyMistakeInBoundsIsFoundWithItsLine() {
        CallersFile.Contents contents = CallersFile.read("""
                bounds:
                  - namespaces: [Payments]
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                  - namespaces: [team-a]
                  - namespaces: [team-b]
                    grants:
                      - credential: adobe-admin
                        scopes: [openid]
                    owner: someone
                """.getBytes(StandardCharsets.UTF_8));

        assertThat(contents.problems()).extracting(CallersFile.Problem::line, CallersFile.Problem::message).containsExactly(
                tuple(2, "bounds[0].namespaces holds something that is not a namespace name or a prefix ending in *"),
                tuple(6, "bounds[1].grants is missing or empty"),
                tuple(11, "bounds[2] has an unknown field owner (a bound has namespaces, grants; a grant credential, scopes)"));
        assertThat(contents.policy()).isEmpty();
    }
}
