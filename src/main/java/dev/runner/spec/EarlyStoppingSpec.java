package dev.runner.spec;

/**
 * The {@code early_stopping:} section: the run completes early once {@code metric} has not improved by more than
 * {@code minDelta} for {@code patience} epochs in a row (accuracies must rise, losses fall).
 */
public record EarlyStoppingSpec(String metric, int patience, double minDelta) {
}
