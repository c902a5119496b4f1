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
 * @param trials the trials, in order (for {@code tpe}, none: TPE suggests them as the sweep runs)
 * @param search how trials are chosen, stopped and budgeted
 */
public record SweepSpec(String name, Path file, List<String> keys, Metric metric, List<Trial> trials,
                        Search search) {
    /**
     * How the sweep searches.
     *
     * @param method        {@code grid}, {@code random} or {@code tpe}
     * @param seed          random's or tpe's seed
     * @param count         how many trials the method gives (grid: the combinations; random and tpe: {@code trials})
     * @param params        random's and tpe's distributions, in the order written
     * @param pruning       successive halving, or null
     * @param seeds         each configuration at this many seeds
     * @param maxTrials     start at most this many trials, or null
     * @param maxMinutes    start no job after this many minutes, or null
     * @param maxConcurrent at most this many trials at once, or null
     * @param baseSets      the overrides of every trial before its own ({@code --set}, and pruning's {@code epochs})
     */
    public record Search(String method, long seed, int count, List<Param> params, Pruning pruning, int seeds,
                         Integer maxTrials, Double maxMinutes, Integer maxConcurrent, List<String> baseSets) {
        public boolean tpe() {
            return "tpe".equals(method);
        }

        /** Decisions depend on earlier results (TPE, pruning): the job order is part of the sweep's state. */
        public boolean adaptive() {
            return tpe() || pruning != null;
        }
    }

    /**
     * One distribution: {@code uniform}, {@code log_uniform}, {@code int_uniform} over {@code [low, high]}, or
     * {@code choice} of {@code choices} (plain values), each written {@code choiceSets[i]} in a {@code --set} and
     * {@code choiceLabels[i]} in a trial's name.
     */
    public record Param(String key, String kind, double low, double high, List<Object> choices,
                        List<String> choiceSets, List<String> choiceLabels) {}

    /**
     * Successive halving: {@code asha} (one bracket) or {@code hyperband} (brackets of it).
     *
     * @param maxEpochs the trials' {@code epochs}
     */
    public record Pruning(String kind, int minEpochs, int maxEpochs, int reductionFactor) {}

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
