package dev.runner.results;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The terminal and {@code log.txt} at once: every {@link #println} goes to the terminal and is appended (and
 * flushed) to the log. Progress-bar redraws go to the terminal only ({@link #terminal()}).
 */
public final class RunLog implements dev.runner.train.RunRecorder.Log {
    private final PrintStream terminal;
    private final BufferedWriter log;

    /** Appends to {@code logFile} (created if missing), so a resumed run continues the same log. */
    public RunLog(PrintStream terminal, Path logFile) {
        this.terminal = terminal;
        try {
            this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + logFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void println(String line) {
        terminal.println(line);
        terminal.flush();
        logOnly(line);
    }

    /** Into log.txt but not onto the terminal. */
    @Override
    public synchronized void logOnly(String line) {
        try {
            log.write(line);
            log.newLine();
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write log.txt: " + e.getMessage(), e);
        }
    }

    public PrintStream terminal() {
        return terminal;
    }

    @Override
    public synchronized void close() {
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        terminal.flush();
    }
}
