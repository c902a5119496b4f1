package dev.runner.spec;

import java.util.List;

/**
 * The {@code evaluate:} section: {@code train} measures train accuracy in evaluation mode each epoch;
 * {@code topK} the k of each top-k accuracy measured beside top-1 (increasing, each >= 2).
 */
public record EvaluateSpec(boolean train, boolean test, List<Integer> topK) {
    public EvaluateSpec {
        topK = List.copyOf(topK);
    }

    /** Top-1 only. */
    public EvaluateSpec(boolean train, boolean test) {
        this(train, test, List.of());
    }

    /** The metric name of top-k accuracy on {@code split} ({@code test}, {@code train}, {@code val}). */
    public static String topKMetric(String split, int k) {
        return split + "_top" + k + "_accuracy";
    }

    /** True for a top-k metric name such as {@code test_top5_accuracy}. */
    public static boolean isTopKMetric(String name) {
        return name.matches("(test|train|val)_top[0-9]+_accuracy");
    }
}
