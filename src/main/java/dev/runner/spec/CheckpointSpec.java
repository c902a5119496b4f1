package dev.runner.spec;

/**
 * The {@code checkpoint:} section: a checkpoint every {@code every} epochs (0 = never), and {@code best}: the metric
 * ({@code val_accuracy}, {@code test_loss}, ...) by which the best epoch's model is kept beside the last one, or
 * null.
 */
public record CheckpointSpec(int every, String best) {
    /** No best model kept. */
    public CheckpointSpec(int every) {
        this(every, null);
    }
}
