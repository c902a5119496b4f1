package dev.runner.sweep;

import java.nio.file.Path;

/**
 * Where a sweep's trials run: this machine's processes ({@link LocalTrials}) or Spark tasks ({@link SparkTrials}).
 * Either way a trial is {@code runner run} in a child process ({@link TrialProcess}), and its files end up in the
 * sweep folder: {@code NAME/} (the run folder) and {@code NAME.out.txt} (its console output).
 */
public interface TrialExecutor extends AutoCloseable {
    /** How many trials run at once. */
    int slots();

    /** For sweep.json and the first line: {@code workers 2 (1 thread each)}, {@code spark local[2]}. */
    String describe();

    /**
     * Runs trial {@code name} of the sweep in {@code sweep} (its experiment is {@code sweep/NAME.yaml}; with
     * {@code resume}, continues the interrupted run in {@code sweep/NAME/}) and waits for it.
     *
     * @param pauseAfter stop after this epoch with a checkpoint (a pruning rung; the run ends interrupted), or 0
     * @return the trial process's exit code
     */
    int run(Path sweep, String name, boolean resume, int pauseAfter) throws InterruptedException;

    /** Asks the running trials to stop cleanly (they save a checkpoint and end interrupted). */
    void stop();

    @Override
    void close();
}
