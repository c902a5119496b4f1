package dev.runner.spec;

import java.util.List;

/**
 * What one layer computes. Kernel, stride, padding and dilation are [height, width].
 *
 * <p>{@link #KINDS} is the one list of the layer kinds the language has (the names written in an experiment file);
 * every stage keys its entry for a layer on {@link #kind()}: the spec parses and shapes it, the model compiles it
 * to DL4J and emits it to oneDNN, and each stage's tests check that every kind has its entry.
 */
public sealed interface LayerSpec {
    /** Every layer kind an experiment file can name, in the order the docs list them. */
    List<String> KINDS = List.of("conv", "batchnorm", "relu", "leaky_relu", "tanh", "sigmoid", "gelu",
            "maxpool", "avgpool", "global_avgpool", "global_maxpool", "flatten", "dense", "dropout", "add", "concat");

    /** The kind's name as written in an experiment file (one of {@link #KINDS}). */
    default String kind() {
        if (this instanceof Conv) return "conv";
        if (this instanceof BatchNorm) return "batchnorm";
        if (this instanceof Activation a) return a.kind();
        if (this instanceof Pool p) return p.op() + "pool";
        if (this instanceof GlobalPool g) return "global_" + g.op() + "pool";
        if (this instanceof Flatten) return "flatten";
        if (this instanceof Dense) return "dense";
        if (this instanceof Dropout) return "dropout";
        if (this instanceof Add) return "add";
        if (this instanceof Concat) return "concat";
        throw new IllegalStateException("no kind for " + getClass().getSimpleName());
    }

    /** padding null = {@code same} (output size = ceil(input / stride)). activation may be null (identity). */
    record Conv(int filters, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                String activation) implements LayerSpec {}

    /** momentum with PyTorch's meaning (running = (1-m)*running + m*batch). */
    record BatchNorm(double eps, double momentum) implements LayerSpec {}

    /** relu, leaky_relu (alpha), tanh, sigmoid, gelu. */
    record Activation(String kind, double alpha) implements LayerSpec {}

    /** op max or avg (named op, not kind: a record component kind() would hide {@link #kind()}); padding null = {@code same}. */
    record Pool(String op, int[] kernel, int[] stride, int[] padding) implements LayerSpec {}

    /** op avg or max over height and width: [c, h, w] -> [c]. */
    record GlobalPool(String op) implements LayerSpec {}

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
