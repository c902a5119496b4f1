package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.nio.file.Path;

/**
 * One chart a results folder can get, drawn from the folder's files ({@code metrics.json}, or
 * {@code lr_range_test.json} for a range test). Every chart of a run is one class implementing this, listed once in
 * {@link RunCharts#ALL}; each also has a static {@code draw(Path png, ...)} taking plain data.
 */
public interface RunChart {
    /** Its file name in the folder, e.g. {@code loss.png}. */
    String file();

    /**
     * Whether {@code run} has what this chart shows (e.g. a confusion matrix only for a completed run); by default,
     * every training run (one with a metrics.json).
     */
    default boolean applies(RunReader.Run run) {
        return run.metrics();
    }

    /** Draws it from {@code run} into {@code png}. */
    void draw(RunReader.Run run, Path png);
}
