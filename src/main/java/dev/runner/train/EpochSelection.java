package dev.runner.train;

import dev.runner.spec.CheckpointSpec;
import dev.runner.spec.EarlyStoppingSpec;
import java.util.List;
import java.util.Locale;

/**
 * Which epoch is the best ({@code checkpoint.best}) and whether the run should stop ({@code early_stopping}),
 * decided from the epochs recorded in {@link Metrics} alone, so a resumed run decides as the straight one would.
 * Accuracies are better higher, losses lower; of equal values the first epoch stays the best.
 */
public final class EpochSelection {
    private EpochSelection() {}

    /** Whether higher values of {@code metric} are better. */
    public static boolean maximise(String metric) {
        return metric.endsWith("accuracy");
    }

    /**
     * Whether the last epoch of {@code metrics} is the new best by {@code spec.best()}; records it in
     * {@link Metrics#best} when it is. False when no best model is kept or the epoch did not measure the metric.
     */
    public static boolean newBest(CheckpointSpec spec, Metrics metrics) {
        if (spec == null || spec.best() == null || metrics.epochs.isEmpty()) {
            return false;
        }
        Metrics.Epoch last = metrics.epochs.get(metrics.epochs.size() - 1);
        Double v = last.metric(spec.best());
        if (v == null || !Double.isFinite(v)) {
            return false;
        }
        Metrics.Best b = metrics.best;
        boolean better = b == null || !b.metric().equals(spec.best())
                || (maximise(spec.best()) ? v > b.value() : v < b.value());
        if (better) {
            metrics.best = new Metrics.Best(spec.best(), last.epoch(), v);
        }
        return better;
    }

    /**
     * Why the run stops after its last recorded epoch, or null to go on: the metric has not improved by more than
     * {@code min_delta} on the best value before for {@code patience} epochs in a row.
     */
    public static String stopReason(EarlyStoppingSpec spec, Metrics metrics) {
        if (spec == null) {
            return null;
        }
        List<Metrics.Epoch> epochs = metrics.epochs;
        boolean max = maximise(spec.metric());
        double best = Double.NaN;
        int bestEpoch = 0;
        int since = 0;
        for (Metrics.Epoch e : epochs) {
            Double v = e.metric(spec.metric());
            if (v == null || !Double.isFinite(v)) {
                since++;
                continue;
            }
            boolean improved = Double.isNaN(best) || (max ? v > best + spec.minDelta() : v < best - spec.minDelta());
            if (improved) {
                best = v;
                bestEpoch = e.epoch();
                since = 0;
            } else {
                since++;
            }
        }
        if (since < spec.patience()) {
            return null;
        }
        return String.format(Locale.ROOT, "early stopping: %s has not improved by more than %s for %d epochs"
                        + " (best %s at epoch %d)", spec.metric(), Trainer.shortNumber(spec.minDelta()), since,
                Double.isNaN(best) ? "none" : new java.math.BigDecimal(best).round(new java.math.MathContext(6))
                        .stripTrailingZeros().toPlainString(), bestEpoch);
    }
}
