package dev.tokenbroker.testing;

/**
 * A private {@code redis-server} on TLS only, with a test CA, the {@code default} user off and docs/security.md's
 * least-privilege ACL user for the broker, reached as the Helm chart configures it.
 */
public class SecuredRedisResource extends RedisResource {

    @Override
    protected boolean secured() {
        return true;
    }
}
