package dev.tokenbroker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every setting of token-broker, under the {@code tokenbroker} prefix. */
@ConfigMapping(prefix = "tokenbroker")
public interface TokenBrokerConfig {

    /** Where technical-account credentials are mounted and how often they are re-read. */
    Credentials credentials();

    /** The callers file: who may ask for which tokens. */
    Callers callers();

    /** Grant sources besides the callers files: TokenGrant objects. */
    GrantsConfig grants();

    /** Lifetimes promised to callers. */
    Tokens tokens();

    /** The token cache (in process, and Redis when {@code quarkus.redis.hosts} is set). */
    Cache cache();

    /** Calls to the identity providers' token endpoints. */
    Upstream upstream();

    /** How callers' Kubernetes ServiceAccount tokens are checked; without a JWKS and an issuer they are not accepted. */
    Kubernetes kubernetes();

    /** What the management port's health answers show. */
    Health health();

    /** The standard OAuth 2.0 entry points ({@code /oauth2/token}, the IMS paths, RFC 8414 metadata). */
    Oauth oauth();

    /** Allow {@code http} token URLs on hosts other than loopback (never in production). */
    @WithDefault("false")
    boolean allowInsecureTokenUrl();

    interface Health {
        /**
         * Whether the readiness answer names credentials and quotes file, JWKS and Redis problems; off, it gives
         * status and counts only (the problems are in the logs and metrics either way).
         */
        @WithDefault("false")
        boolean details();
    }

    interface Credentials {
        /** Directory holding one sub-directory per credential (one mounted Kubernetes Secret each). */
        @WithDefault("/var/run/secrets/token-broker/credentials")
        Path dir();

        /** Whether to follow the directory through file-system events, reading only the credential that changed. */
        @WithDefault("true")
        boolean watch();

        /** While watching: how often the whole directory is re-read anyway, in case an event was missed. */
        @WithDefault("5m")
        Duration fullCheckInterval();

        /** Without events (watch off, or the file system cannot watch): how often the whole directory is re-read. */
        @WithDefault("10s")
        Duration reloadInterval();
    }

    interface Callers {
        /** The callers YAML file (usually a mounted ConfigMap). */
        @WithDefault("/etc/token-broker/callers.yaml")
        Path file();

        /** How often the file is re-read for changes. */
        @WithDefault("10s")
        Duration reloadInterval();
    }

    interface Tokens {
        /** Default {@code min_ttl}: a token handed out stays valid at least this long, or half its life if that is less. */
        @WithDefault("300s")
        Duration minTtl();

        /** Optional cap on the {@code expires_in} callers are told, so they come back at least this often. */
        Optional<Duration> maxTtl();

        /** Share of the time a token meets the default {@code min_ttl} after which a request starts one refresh. */
        @WithDefault("0.66")
        double refreshAt();

        /** Each replica refreshes up to this share of the life earlier, at random, so replicas do not line up. */
        @WithDefault("0.08")
        double refreshJitter();

        /** After a failed background refresh, how long before the next one is tried. */
        @WithDefault("15s")
        Duration refreshRetryInterval();

        /**
         * A token minted less than this long ago is as fresh as the provider gives: it meets any {@code min_ttl} up
         * to its lifetime, so no caller can make one credential and scope set mint more than once per interval.
         */
        @WithDefault("60s")
        Duration minMintInterval();

        /** Each credential's budget of mints (requests, refresh-ahead and re-mints after a purge alike). */
        MintBudget mintBudget();
    }

    interface MintBudget {
        /** Mints a credential may make at once before it must wait for the budget to refill. */
        @WithDefault("20")
        int burst();

        /** Mints added back to a credential's budget per minute, up to the burst. */
        @WithDefault("20")
        int perMinute();
    }

    interface Cache {
        /** Base64 of 32 random bytes; encrypts tokens in Redis and keys its key names. Required with Redis. */
        Optional<String> encryptionKey();

        /** Earlier encryption keys (base64), still accepted for reading during a key rotation. */
        Optional<List<String>> previousEncryptionKeys();

        /** Prefix of every Redis key the broker writes. */
        @WithDefault("tokenbroker:")
        String keyPrefix();

        /** Most tokens kept in process. */
        @WithDefault("10000")
        long localMaximumSize();

        /** Whether the in-process tier is used; off only to measure the Redis tier alone. */
        @WithDefault("true")
        boolean localEnabled();

        /** How long a replica's mint lock in Redis lives if the replica dies holding it; at least max-duration + timeout. */
        @WithDefault("30s")
        Duration lockTtl();

        /** How often a replica that lost the race for a mint looks for the winner's token. */
        @WithDefault("50ms")
        Duration lockPollInterval();

        /** While Redis fails or refuses the broker (password, ACL, TLS), how often it is checked again. */
        @WithDefault("30s")
        Duration redisCheckInterval();

        /** Allow a Redis password over plaintext {@code redis://} (else start-up stops: use {@code rediss://}). */
        @WithDefault("false")
        boolean allowPlaintextRedis();
    }

    interface Upstream {
        /** Timeout of one attempt at the token endpoint (connect and answer). */
        @WithDefault("5s")
        Duration timeout();

        /** Retries after a failed attempt (network error, 5xx, 429). */
        @WithDefault("2")
        int maxRetries();

        /** First backoff delay; doubled on each retry, with full jitter. */
        @WithDefault("250ms")
        Duration retryDelay();

        /** Longest backoff delay, and the cap on an upstream's {@code Retry-After}. */
        @WithDefault("5s")
        Duration maxRetryDelay();

        /** Longest time one mint may take, retries included. */
        @WithDefault("20s")
        Duration maxDuration();

        /** The circuit breaker kept per token endpoint host. */
        Breaker circuitBreaker();

        /** {@code Retry-After} told to callers when no better estimate is known. */
        @WithDefault("5s")
        Duration retryAfter();

        /**
         * CA certificates (PEM) trusted for every token endpoint in addition to the system's; a credential's own
         * {@code ca_file} takes its place for that credential. Re-read when it changes.
         */
        Optional<Path> caFile();

        /** Longest token lifetime believed (expires_in, JWT exp, default_lifetime); a token endpoint that says more gives a malformed answer. */
        @WithDefault("7d")
        Duration maxTokenLifetime();

        /**
         * Host names a credential's {@code token_url} may name ({@code *.example.com}: any name under it); a
         * credential naming another is invalid. Unset: any host.
         */
        Optional<List<String>> allowedHosts();
    }

    interface Breaker {
        /** Attempts in the rolling window the breaker judges. */
        @WithDefault("10")
        int requestVolumeThreshold();

        /** Share of failed attempts in the window that opens the breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker stays open before letting a trial call through. */
        @WithDefault("30s")
        Duration delay();
    }

    interface Kubernetes {
        /** The cluster's JWKS: an https URL (in a cluster {@code https://kubernetes.default.svc/openid/v1/jwks}), a file path or a {@code file:} URL. */
        Optional<String> jwksUrl();

        /** The {@code iss} of the cluster's ServiceAccount tokens ({@code kubectl get --raw /.well-known/openid-configuration}). */
        Optional<String> issuer();

        /** The audience callers request for their projected tokens; a token's {@code aud} must contain it. */
        @WithDefault("token-broker")
        String audience();

        /** Clock skew allowed when checking {@code exp} and {@code nbf}; at most 60s. */
        @WithDefault("60s")
        Duration clockSkew();

        /** CA certificates that the JWKS URL's server certificate is checked against, when the file exists. */
        @WithDefault("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")
        Path caFile();

        /** The broker's own ServiceAccount token, sent as bearer to an in-cluster API server JWKS URL when the file exists. */
        @WithDefault("/var/run/secrets/kubernetes.io/serviceaccount/token")
        Path tokenFile();

        /** Send the broker's own token to a JWKS URL whose host is not the in-cluster API server too. */
        @WithDefault("false")
        boolean sendToken();

        /** Longest lifetime ({@code exp - iat}) of a ServiceAccount token accepted; the projected volume's {@code expirationSeconds} must not exceed it. */
        @WithDefault("24h")
        Duration maxTokenLifetime();

        /** How often the JWKS is re-read. */
        @WithDefault("5m")
        Duration jwksRefreshInterval();

        /** Least time between two reads of the JWKS caused by a token with an unknown key id. */
        @WithDefault("30s")
        Duration jwksMinRefreshInterval();

        /** Timeout of one JWKS request (connect and answer). */
        @WithDefault("5s")
        Duration jwksTimeout();

        /** Longest a verified token is remembered, so its signature is not checked again; never past its {@code exp}. */
        @WithDefault("5m")
        Duration rememberFor();

        /** Most verified tokens remembered. */
        @WithDefault("10000")
        long rememberMaximumSize();

        /** Further clusters whose ServiceAccounts may be callers, by name (a DNS label); a caller entry names its own with {@code cluster}. */
        Map<String, Cluster> clusters();

        /** One further cluster; clock skew, lifetime, refresh and memory settings are the default cluster's. */
        interface Cluster {
            /** The {@code iss} of its ServiceAccount tokens (EKS {@code https://oidc.eks.<region>.amazonaws.com/id/<id>}); selects the cluster. */
            String issuer();

            /** Its JWKS: an https URL, a file path or a {@code file:} URL; unset, found through the issuer's OpenID discovery document. */
            Optional<String> jwksUrl();

            /** The audience its callers request for their projected tokens; a token's {@code aud} must contain it. */
            @WithDefault("token-broker")
            String audience();

            /** CA certificates that its discovery document's and JWKS's server certificates are checked against, besides the JVM's. */
            Optional<Path> caFile();
        }
    }

    interface Oauth {
        /**
         * The issuer URL announced in {@code /.well-known/oauth-authorization-server} (e.g. {@code https://token-broker.ns.svc});
         * unset, it is the scheme, host and port the metadata request came by.
         */
        Optional<String> issuer();
    }
}
