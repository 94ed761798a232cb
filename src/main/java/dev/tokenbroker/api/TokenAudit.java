package dev.tokenbroker.api;

import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.broker.TokenService;
import dev.tokenbroker.caller.AuthenticatedCaller;
import dev.tokenbroker.caller.CallerRejected;
import dev.tokenbroker.caller.GrantRefused;
import dev.tokenbroker.problem.ProblemCode;
import dev.tokenbroker.token.Rejection;
import dev.tokenbroker.token.TokenDigest;
import dev.tokenbroker.token.TokenException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.jboss.logging.Logger;

/**
 * What one {@code GET /tokens} (or, as {@code event=token_purge}, one {@code DELETE /tokens/{credential}})
 * decided, filled in as the request goes, and written as one line on the logger category {@code tokenbroker.audit}
 * (so operators can route it apart) when it ends:
 * {@code event=token_request caller=billing method=api-key credential=adobe-admin scopes="AdobeID openid"
 * outcome=ok status=200 tier=memory fingerprint=918fcdc86720}; a request that reported a refused token adds
 * {@code rejected=replaced rejected_sha256=<12 hex> rejected_fingerprint=<the reported token's, or ->}. Only values
 * that passed validation are written, and the token only as its fingerprint; never a bearer value. With a trace
 * recording, the line ends with {@code trace_id=<32 hex>}; with JSON logs, each field is also a field of the JSON
 * object's {@code mdc}.
 *
 * <p>A refusal says who and why (docs/operations.md, Why was this refused?): {@code reason=} always, and, as far as
 * they are known, {@code service_account=ns/name cluster=c} (a validly signed token whose account is not listed),
 * {@code claimed_service_account=ns/name unverified=true} (what a token that failed verification claims; its
 * {@code cluster} is the one its {@code iss} names), {@code key_sha256_prefix=<8 hex>} (an unknown static key),
 * {@code caller_entry=<file>:<line>} (the callers file entry that lists the key or account but was not loaded) and
 * {@code peer=<address>:<port>} (the connection's remote address). An allowed request writes none of them.
 */
final class TokenAudit {

    private static final Logger LOG = Logger.getLogger("tokenbroker.audit");

    private final String event;

    private String caller = "-";
    private String method = "-";
    private String credential = "-";
    private boolean loaded;
    private ScopeSet scopes = ScopeSet.EMPTY;
    private String outcome = ProblemCode.INTERNAL_ERROR.code();
    private int status = ProblemCode.INTERNAL_ERROR.status();
    private String tier = "none";
    private String fingerprint;
    private String reason;
    /** The reported (refused) token's digest, shortened; null when the request reported none. */
    private String reported;
    private Rejection rejection;
    private String reportedFingerprint;
    /** On a refusal: the refused caller as far as known (see the class comment), and the peer address. */
    private String serviceAccount;
    private String claimedServiceAccount;
    private String cluster;
    private String keyPrefix;
    private String callerEntry;
    private String peer;

    TokenAudit() {
        this("token_request");
    }

    /** {@code event}: what the line is about, e.g. {@code token_purge}. */
    TokenAudit(String event) {
        this.event = event;
    }

    void caller(AuthenticatedCaller authenticated) {
        caller = authenticated.name();
        method = authenticated.method();
    }

    void credential(String name) {
        credential = name;
    }

    /** The credential named is loaded (so it may appear as a metric tag). */
    void loaded() {
        loaded = true;
    }

    void scopes(ScopeSet set) {
        scopes = set;
    }

    void served(TokenService.Served served, String tokenFingerprint) {
        outcome = "ok";
        status = 200;
        tier = served.tier().tag();
        fingerprint = tokenFingerprint;
    }

    /** The request did what it asked, without a token: a purge. */
    void succeeded(int httpStatus) {
        outcome = "ok";
        status = httpStatus;
    }

    /** A revocation that drops nothing: the token is not the caller's (RFC 7009 answers 200 all the same). */
    void notPermitted() {
        outcome = ProblemCode.FORBIDDEN.code();
        status = 200;
    }

    /** The request reports a refused token by this digest (null: it reports none). */
    void reported(String digest) {
        reported = digest == null ? null : TokenDigest.shortened(digest);
    }

    /** What the report did, and the reported token's fingerprint when the broker held it (else null). */
    void rejected(Rejection outcome, String fingerprint) {
        rejection = outcome;
        if (fingerprint != null) {
            reportedFingerprint = fingerprint;
        }
    }

    void failed(TokenException e) {
        ProblemCode code = ProblemCode.of(e.refusal());
        outcome = code.code();
        status = code.status();
        if (e instanceof CallerRejected rejected) {
            method = rejected.method();
            reason = rejected.reason().tag();
            CallerRejected.Who who = rejected.who();
            if (who.serviceAccount() != null) {
                if (who.verified()) {
                    serviceAccount = who.serviceAccount();
                } else {
                    claimedServiceAccount = who.serviceAccount();
                }
            }
            cluster = who.cluster();
            keyPrefix = who.keySha256Prefix();
            callerEntry = who.entry();
        } else if (e instanceof GrantRefused refused) {
            reason = refused.reason().tag();
        }
    }

    /** The peer (remote address) of the connection a refused request came by; {@code http} null: none. */
    void peer(HttpServerRequest http) {
        SocketAddress remote = http == null ? null : http.remoteAddress();
        if (remote != null && remote.host() != null) {
            peer = (remote.host().indexOf(':') >= 0 ? "[" + remote.host() + "]" : remote.host()) + ":" + remote.port();
        }
    }

    String callerTag() {
        return caller.equals("-") ? "unauthenticated" : caller;
    }

    String credentialTag() {
        return loaded ? credential : "unknown";
    }

    String outcome() {
        return outcome;
    }

    String tier() {
        return tier;
    }

    /**
     * Writes the line, with {@code trace_id} when a trace is recording (and the decision on its server span), and
     * with each field in the MDC too while it is logged when logs are JSON ({@link AuditLog}).
     */
    void write(AuditLog log) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        String traceId = log.spans().request(caller, credential, tier, outcome);
        StringBuilder line = new StringBuilder(192).append("event=").append(event).append(" caller=").append(caller)
                .append(" method=").append(method).append(" credential=").append(credential).append(" scopes=");
        if (scopes.isEmpty()) {
            line.append('-');
        } else {
            line.append('"').append(scopes).append('"');
        }
        line.append(" outcome=").append(outcome).append(" status=").append(status).append(" tier=").append(tier);
        if (fingerprint != null) {
            line.append(" fingerprint=").append(fingerprint);
        }
        if (reason != null) {
            line.append(" reason=").append(reason);
        }
        String unverified = claimedServiceAccount == null ? null : "true";
        append(line, "service_account", serviceAccount);
        append(line, "claimed_service_account", claimedServiceAccount);
        append(line, "unverified", unverified);
        append(line, "cluster", cluster);
        append(line, "key_sha256_prefix", keyPrefix);
        append(line, "caller_entry", callerEntry);
        append(line, "peer", peer);
        String rejected = null;
        String rejectedFingerprint = null;
        if (reported != null) {
            rejected = rejection == null ? "-" : rejection.tag();
            rejectedFingerprint = reportedFingerprint == null ? "-" : reportedFingerprint;
            line.append(" rejected=").append(rejected).append(" rejected_sha256=").append(reported)
                    .append(" rejected_fingerprint=").append(rejectedFingerprint);
        }
        if (traceId != null) {
            line.append(" trace_id=").append(traceId);
        }
        if (!log.jsonFields()) {
            LOG.info(line.toString()); // built here rather than by a printf-style format: this runs once per request
            return;
        }
        String[] fields = {"event", event, "caller", caller, "method", method, "credential", credential,
            "scopes", scopes.isEmpty() ? null : scopes.toString(), "outcome", outcome, "status", Integer.toString(status),
            "tier", tier, "fingerprint", fingerprint, "reason", reason, "service_account", serviceAccount,
            "claimed_service_account", claimedServiceAccount, "unverified", unverified, "cluster", cluster,
            "key_sha256_prefix", keyPrefix, "caller_entry", callerEntry, "peer", peer, "rejected", rejected,
            "rejected_sha256", reported, "rejected_fingerprint", rejectedFingerprint, "trace_id", traceId};
        log.withFields(fields, () -> LOG.info(line.toString()));
    }

    private static void append(StringBuilder line, String field, String value) {
        if (value != null) {
            line.append(' ').append(field).append('=').append(value);
        }
    }
}
