package dev.tokenbroker.credential;

/** Fired when the tokens of a credential must be dropped: it was removed, or its client id or token URL changed. */
public record CredentialDropped(String name, String reason) {}
