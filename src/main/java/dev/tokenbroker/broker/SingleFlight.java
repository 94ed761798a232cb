package dev.tokenbroker.broker;

import dev.tokenbroker.token.Token;
import dev.tokenbroker.token.TokenKey;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** In-process single flight: the first thread to ask for a key runs the work; threads that ask meanwhile wait for it. */
final class SingleFlight {

    private final Map<TokenKey, CompletableFuture<Token>> running = new ConcurrentHashMap<>();

    /** The token of the flight under way for this key, or of a new one that runs {@code work} here. Blocks. */
    Token run(TokenKey key, Supplier<Token> work) {
        CompletableFuture<Token> mine = new CompletableFuture<>();
        CompletableFuture<Token> theirs = running.putIfAbsent(key, mine);
        if (theirs != null) {
            return join(theirs);
        }
        try {
            Token token = work.get();
            mine.complete(token);
            return token;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    private static Token join(CompletableFuture<Token> flight) {
        try {
            return flight.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
