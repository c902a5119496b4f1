package dev.runner.model.onednn;

/**
 * Which convolutions and dense layers of a bf16 step run in bf16 for a batch of a given size (the others in f32);
 * every other layer runs in the type of its first input ({@link StepGraph#bf16}). The model stage decides it
 * ({@code dev.runner.model.Precision}).
 */
@FunctionalInterface
public interface Bf16Rule {
    /** Every layer in f32. */
    Bf16Rule NONE = (layer, batch) -> false;

    /** Whether the convolution or dense layer {@code layer} runs in bf16 for a batch of {@code batch}. */
    boolean bf16(String layer, long batch);
}
