package dev.tokenbroker.cache;

/** A Redis command that failed, named, so that a failure says which command ({@link RedisAvailability#command}). */
final class CommandFailed extends RuntimeException {
    final String command;

    CommandFailed(String command, RuntimeException cause) {
        super(command, cause, false, false);
        this.command = command;
    }
}
