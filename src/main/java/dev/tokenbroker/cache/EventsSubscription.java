package dev.tokenbroker.cache;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A subscription to one pub/sub channel on a connection of its own, made again whenever it fails or its connection
 * ends (Redis restarted, a network cut, a killed client), backing off from 0.5s to 10s. Written against the
 * connection rather than the Quarkus pub/sub API, because that API never completes or fails a {@code SUBSCRIBE}
 * that Redis answers with an error (an ACL without {@code +subscribe} or the channel): the reply reaches its
 * message handler, which cannot read it, so the failure would go unreported.
 */
final class EventsSubscription {

    private static final Duration FIRST_DELAY = Duration.ofMillis(500);
    private static final Duration MAX_DELAY = Duration.ofSeconds(10);

    private final Redis client;
    private final String channel;
    private final Consumer<String> onMessage;
    private final Runnable onSubscribed;
    private final Consumer<Throwable> onFailure;
    private volatile boolean stopped;
    private volatile RedisConnection connection;

    /**
     * {@code onMessage} gets each message's payload; {@code onSubscribed} runs once Redis confirmed the subscription;
     * {@code onFailure} gets every failed attempt and every lost subscription.
     */
    EventsSubscription(Redis client, String channel, Consumer<String> onMessage, Runnable onSubscribed,
            Consumer<Throwable> onFailure) {
        this.client = client;
        this.channel = channel;
        this.onMessage = onMessage;
        this.onSubscribed = onSubscribed;
        this.onFailure = onFailure;
    }

    void start() {
        attempt(FIRST_DELAY);
    }

    /**
     * Ends the subscription and makes no other. Closing its connection ends it on the server too, so no
     * {@code UNSUBSCRIBE} is sent (nor needs an ACL right); the plain Vert.x call keeps Mutiny, whose context
     * propagation is gone once the application stops, out of it.
     */
    void stop() {
        stopped = true;
        RedisConnection current = connection;
        if (current != null) {
            current.getDelegate().close();
        }
    }

    private void attempt(Duration nextDelay) {
        if (stopped) {
            return;
        }
        client.connect().subscribe().with(c -> subscribe(c, nextDelay), e -> retry(e, nextDelay, new AtomicBoolean()));
    }

    private void subscribe(RedisConnection c, Duration nextDelay) {
        connection = c;
        AtomicBoolean over = new AtomicBoolean(); // one retry per attempt, whichever handler sees the end first
        AtomicBoolean confirmed = new AtomicBoolean();
        c.handler(response -> {
            if (response.type() == ResponseType.ERROR) {
                c.closeAndForget();
                retry(new RedisErrorReply(response.toString()), nextDelay, over);
            } else if ((response.type() == ResponseType.PUSH || response.type() == ResponseType.MULTI) && response.size() >= 3) {
                String kind = response.get(0).toString();
                if ("subscribe".equalsIgnoreCase(kind)) {
                    confirmed.set(true);
                    onSubscribed.run();
                } else if ("message".equalsIgnoreCase(kind)) {
                    onMessage.accept(response.get(2).toString());
                }
            }
        });
        c.exceptionHandler(e -> {
            c.closeAndForget();
            retry(e, confirmed.get() ? FIRST_DELAY : nextDelay, over);
        });
        c.endHandler(() -> retry(new IllegalStateException("the subscription's connection ended"),
                confirmed.get() ? FIRST_DELAY : nextDelay, over));
        c.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).subscribe().with(ignored -> {}, e -> {
            c.closeAndForget();
            retry(e, nextDelay, over);
        });
    }

    private void retry(Throwable failure, Duration delay, AtomicBoolean over) {
        if (stopped || !over.compareAndSet(false, true)) {
            return;
        }
        connection = null;
        onFailure.accept(failure);
        Duration next = delay.multipliedBy(2).compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay.multipliedBy(2);
        Uni.createFrom().voidItem().onItem().delayIt().by(delay).subscribe().with(ignored -> attempt(next));
    }

    /** An error that Redis answered, such as {@code NOPERM this user has no permissions to run the 'subscribe' command}. */
    static final class RedisErrorReply extends RuntimeException {
        RedisErrorReply(String message) {
            super(message, null, false, false);
        }
    }
}
