package dev.runner.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --set} and {@code --data-root}: shared by run and bench ({@code check} takes only {@code --set}). */
final class ExperimentOptions {
    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a key of the experiment, e.g. --set epochs=2 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--data-root", paramLabel = "DIR",
            description = "Where datasets live (default: $RUNNER_DATA, else ./data).")
    String dataRoot;
}
