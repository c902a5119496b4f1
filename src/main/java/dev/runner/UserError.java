package dev.runner;

/**
 * A problem the user can fix (missing data, a bad flag, a folder that is not a results folder). The CLI prints
 * {@link #getMessage()} as one line, without a stack trace, and exits with {@link #exitCode()}.
 * Experiment-file problems use {@link dev.runner.spec.lang.SpecException} instead (exit code 2).
 */
public class UserError extends RuntimeException {
    private final int exitCode;

    public UserError(String message) {
        this(message, 1, null);
    }

    public UserError(String message, Throwable cause) {
        this(message, 1, cause);
    }

    public UserError(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
