package dev.tokenbroker.credential;

/** Fired after the credentials being served, or the problems reported about them, may have changed. */
public record CredentialsChanged() {}
