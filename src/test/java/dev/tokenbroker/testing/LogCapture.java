package dev.tokenbroker.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every log record published during a test, as {@code category message} plus any stack trace: a JUnit extension
 * ({@code @RegisterExtension final LogCapture logs = new LogCapture();}) that is a handler on the root logger
 * from before the test's {@code @BeforeEach} methods until after its {@code @AfterEach} methods.
 */
public final class LogCapture extends Handler implements BeforeEachCallback, AfterEachCallback {

    private final List<String> lines = new ArrayList<>();
    private final List<String> threads = new ArrayList<>();

    public LogCapture() {
        setLevel(Level.ALL);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        clear();
        Logger.getLogger("").addHandler(this);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Logger.getLogger("").removeHandler(this);
    }

    /** Forgets the lines so far, e.g. those of a set-up. */
    public void clear() {
        synchronized (lines) {
            lines.clear();
            threads.clear();
        }
    }

    @Override
    public void publish(LogRecord record) {
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        StringWriter line = new StringWriter().append(record.getLoggerName()).append(' ').append(String.valueOf(message));
        if (record.getThrown() != null) {
            record.getThrown().printStackTrace(new PrintWriter(line));
        }
        String thread = record instanceof ExtLogRecord ext ? ext.getThreadName() : "?";
        synchronized (lines) {
            lines.add(line.toString());
            threads.add(thread);
        }
    }

    /** Every line so far. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The messages logged on this category so far. */
    public List<String> messages(String category) {
        return lines().stream().filter(l -> l.startsWith(category + " ")).map(l -> l.substring(category.length() + 1)).toList();
    }

    /** For each line on this category so far, the name of the thread that logged it. */
    public List<String> threads(String category) {
        synchronized (lines) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith(category + " ")) {
                    names.add(threads.get(i));
                }
            }
            return names;
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
