package dev.runner.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A sweep expanded into its trials ({@link SweepLoader}): every trial is the experiment with some keys overridden,
 * already validated. Documented in docs/experiment-files.md ({@code sweep}).
 *
 * @param name   the experiment's name (the sweep's results go under it)
 * @param file   the experiment file
 * @param keys   the swept key paths, in the order written
 * @param metric what "best" means
 * @param trials the trials, in order
 */
public record SweepSpec(String name, Path file, List<String> keys, Metric metric, List<Trial> trials) {
    /** The metrics a sweep can rank by (the final epoch's value of each). */
    public static final List<String> METRICS = Language.EPOCH_METRICS;

    /** @param maximize true for accuracies (the default), false for losses */
    public record Metric(String name, boolean maximize) {
        public String goal() {
            return maximize ? "max" : "min";
        }
    }

    /**
     * One trial.
     *
     * @param index      1-based
     * @param name       a folder name that tells trials apart: {@code 03_lr=0.01_batch_size=8}
     * @param values     the swept keys' values (plain YAML values: numbers, strings, lists, maps)
     * @param sets       the same as {@code --set} arguments, {@code key=value}
     * @param experiment the experiment with those values, validated
     */
    public record Trial(int index, String name, Map<String, Object> values, List<String> sets,
                        Experiment experiment) {}
}
