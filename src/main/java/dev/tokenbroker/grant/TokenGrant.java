package dev.tokenbroker.grant;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * A self-service grant (docs/configuration.md, Grants for many teams): a ServiceAccount of the object's namespace
 * ({@code *}: every one) may have tokens of a credential with these scopes, within the namespace's bounds. The
 * CustomResourceDefinition ships with the chart (helm/token-broker/files/tokengrants.tokenbroker.dev.yaml).
 */
@Group(TokenGrant.GROUP)
@Version("v1alpha1")
@Kind("TokenGrant")
@Plural("tokengrants")
public class TokenGrant extends CustomResource<TokenGrant.Spec, TokenGrant.Status> implements Namespaced {

    public static final String GROUP = "tokenbroker.dev";

    /** What a team asks for. */
    public record Spec(String serviceAccount, String credential, List<String> scopes) {}

    /** What the broker says of it: one condition, of type {@code Accepted}. */
    public record Status(List<Condition> conditions) {}

    @Override
    protected Spec initSpec() {
        return null;
    }

    @Override
    protected Status initStatus() {
        return null;
    }
}
