package dev.runner.data;

import java.nio.file.Path;

/** Where datasets live: {@code --data-root}, else the environment variable {@code RUNNER_DATA}, else {@code ./data}. */
public final class DataRoot {
    /** The environment variable consulted when no {@code --data-root} flag is given. */
    public static final String ENV = "RUNNER_DATA";

    private DataRoot() {}

    /** @param flagValue the value of {@code --data-root}, or null when the flag was not given */
    public static Path resolve(String flagValue) {
        return resolve(flagValue, System.getenv(ENV));
    }

    static Path resolve(String flagValue, String envValue) {
        if (flagValue != null && !flagValue.isBlank()) {
            return Path.of(flagValue);
        }
        if (envValue != null && !envValue.isBlank()) {
            return Path.of(envValue);
        }
        return Path.of("data");
    }
}
