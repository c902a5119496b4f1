package dev.runner.spec;

/** What one layer computes. Kernel, stride, padding and dilation are [height, width]. */
public sealed interface LayerSpec {
    /** padding null = {@code same} (output size = ceil(input / stride)). activation may be null (identity). */
    record Conv(int filters, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                String activation) implements LayerSpec {}

    /** momentum with PyTorch's meaning (running = (1-m)*running + m*batch). */
    record BatchNorm(double eps, double momentum) implements LayerSpec {}

    /** relu, leaky_relu (alpha), tanh, sigmoid, gelu. */
    record Activation(String kind, double alpha) implements LayerSpec {}

    /** kind max or avg; padding null = {@code same}. */
    record Pool(String kind, int[] kernel, int[] stride, int[] padding) implements LayerSpec {}

    /** kind avg or max over height and width: [c, h, w] -> [c]. */
    record GlobalPool(String kind) implements LayerSpec {}

    record Flatten() implements LayerSpec {}

    /** activation may be null (identity). */
    record Dense(int units, boolean bias, String activation) implements LayerSpec {}

    /** p = probability of dropping, as torch.nn.Dropout. */
    record Dropout(double p) implements LayerSpec {}

    /** Element-wise sum of its inputs (same shapes). */
    record Add() implements LayerSpec {}

    /** Concatenation along channels (same height and width). */
    record Concat() implements LayerSpec {}
}
