package dev.tokenbroker.credential;

/**
 * Fired when a token request found a credential's token file unusable (a {@code federated_token_file} that expired or
 * vanished after loading), or usable again while the credential is reported: the registry reads that credential
 * again, so the problem is reported, and its report ended, as for any file of its directory.
 */
public record CredentialRecheck(String name) {}
