package dev.runner;

import java.util.Locale;

/**
 * What the user reads when the Java VM itself gives out ({@link OutOfMemoryError}, {@link StackOverflowError}, other
 * {@link Error}s): one line saying what ran out and what to do. The trainer records it in metrics.json, the CLI
 * prints it; neither shows a stack trace (unless {@code RUNNER_DEBUG=1}).
 */
public final class JvmError {
    private JvmError() {
    }

    /** One line for {@code e}. */
    public static String describe(Error e) {
        String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("").strip();
        if (e instanceof OutOfMemoryError) {
            String lower = msg.toLowerCase(Locale.ROOT);
            if (lower.contains("physicalbytes") || lower.contains("pointer") || lower.contains("direct buffer")) {
                return "out of memory outside the Java heap (" + msg + "): ND4J keeps arrays there; give it more with"
                        + " -Dorg.bytedeco.javacpp.maxbytes=16G -Dorg.bytedeco.javacpp.maxphysicalbytes=24G, or use"
                        + " a smaller data.batch_size (--set data.batch_size=N)";
            }
            if (lower.contains("native thread")) {
                return "out of memory: cannot create another thread (" + msg + "); close other programs or raise"
                        + " the process limit (ulimit -u)";
            }
            return "out of memory (" + (msg.isEmpty() ? "Java heap" : msg) + "): give Java more with -Xmx"
                    + " (e.g. java -Xmx8g -jar runner.jar ...), or use a smaller data.batch_size"
                    + " (--set data.batch_size=N)";
        }
        if (e instanceof StackOverflowError) {
            return "the Java stack overflowed: give Java a larger stack with -Xss (e.g. java -Xss16m -jar runner.jar"
                    + " ...)";
        }
        return "the Java VM failed: " + e.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg)
                + " (set RUNNER_DEBUG=1 for details)";
    }
}
