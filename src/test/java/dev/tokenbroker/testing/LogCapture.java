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

/**
 * Every log record published while it is installed on the root logger, as {@code category message} plus any
 * stack trace. Close it to uninstall.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();

    private LogCapture() {
        setLevel(Level.ALL);
    }

    public static LogCapture install() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        StringWriter line = new StringWriter().append(record.getLoggerName()).append(' ').append(String.valueOf(message));
        if (record.getThrown() != null) {
            record.getThrown().printStackTrace(new PrintWriter(line));
        }
        synchronized (lines) {
            lines.add(line.toString());
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

    @Override
    public void flush() {}

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
