package dev.tokenbroker.credential;

/**
 * Fired when a token request found a credential's files unusable (a {@code federated_token_file} that expired or
 * vanished after loading): the registry reads that credential again, so the problem is reported as any invalid file is.
 */
public record CredentialUnusable(String name) {}
