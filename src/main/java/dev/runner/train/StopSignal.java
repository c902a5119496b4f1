package dev.runner.train;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request to stop training cleanly after the current iteration (the trainer then saves a checkpoint and marks the
 * run interrupted). {@link #request} is what tests call; {@link #installCtrlC} wires Ctrl-C and termination to it.
 *
 * <p>Ctrl-C (SIGINT) is caught by a signal handler: while the trainer runs, the first one requests the stop and a
 * second one exits at once; outside training it exits with 130 as usual. The trainer uninstalls both when it
 * returns, so install a new signal for each run.
 * Other terminations (SIGTERM, SIGHUP) run a JVM shutdown hook that requests the stop and waits (up to
 * {@link #SHUTDOWN_WAIT_SECONDS}) until the trainer has saved its checkpoint and metrics.
 */
public final class StopSignal {
    public static final long SHUTDOWN_WAIT_SECONDS = 300;

    private volatile String reason;
    private volatile boolean active;
    private final CountDownLatch saved = new CountDownLatch(1);
    private Thread hook;
    private Object previousIntHandler;

    /** Asks the trainer to stop after the current iteration. */
    public void request(String why) {
        if (reason == null) {
            reason = why;
        }
    }

    public boolean requested() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    /** Called by the trainer when its loop starts. */
    void begin() {
        active = true;
    }

    /** Called by the trainer when it has returned (saved or not): releases a waiting shutdown hook, uninstalls. */
    void finished() {
        active = false;
        saved.countDown();
        uninstall();
    }

    /** What the shutdown hook does: request the stop and wait for the trainer to save. */
    void onShutdown() {
        request("terminated");
        if (active) {
            try {
                saved.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A signal whose stop is requested by Ctrl-C and JVM termination, until the trainer finishes. */
    public static StopSignal installCtrlC(PrintStream out) {
        StopSignal s = new StopSignal();
        s.hook = new Thread(s::onShutdown, "runner-stop");
        Runtime.getRuntime().addShutdownHook(s.hook);
        try {
            s.previousIntHandler = sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                if (!s.active) {
                    System.exit(130);       // not training (yet or any more): nothing to save
                }
                if (s.requested()) {
                    out.println();
                    out.println("Second Ctrl-C: stopping now without saving.");
                    out.flush();
                    Runtime.getRuntime().halt(130);
                }
                s.request("interrupted by Ctrl-C");
                out.println();
                out.println("Ctrl-C: stopping after this iteration and saving a checkpoint (Ctrl-C again to quit"
                        + " at once)...");
                out.flush();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // no signal support: Ctrl-C runs the shutdown hook, which also saves
        }
        return s;
    }

    private synchronized void uninstall() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running
            }
            hook = null;
        }
        if (previousIntHandler instanceof sun.misc.SignalHandler h) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
            } catch (IllegalArgumentException e) {
                // ignore
            }
            previousIntHandler = null;
        }
    }
}
