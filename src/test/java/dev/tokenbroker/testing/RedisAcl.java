package dev.tokenbroker.testing;

/** The broker's least-privilege Redis ACL user, exactly as the "Redis over TLS" section of docs/security.md gives it. */
public final class RedisAcl {

    private RedisAcl() {}

    /** The broker's user name in the tests and in docs/security.md. */
    public static final String USER = "token-broker";

    /** The rules after {@code ACL SETUSER token-broker reset on >PASSWORD}: the key prefix, the channel, the commands. */
    public static final String RULES = "resetkeys ~tokenbroker:* resetchannels &tokenbroker:events -@all "
            + "+get +mget +set +exists +eval +sadd +smembers +pttl +pexpireat +del +publish +subscribe";

    /** Every rule of the user with this password, for {@code ACL SETUSER token-broker ...} or an ACL file line. */
    public static String rules(String password) {
        return "reset on >" + password + " " + RULES;
    }
}
