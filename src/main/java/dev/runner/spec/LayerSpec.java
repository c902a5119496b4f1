package dev.runner.spec;

import java.util.List;

/**
 * What one layer computes. Kernel, stride, padding and dilation are [height, width].
 *
 * <p>{@link #KINDS} is the one list of the layer kinds the language has (the names written in an experiment file,
 * from their description, {@link Language#LAYERS});
 * every stage keys its entry for a layer on {@link #kind()}: the spec parses and shapes it, the model compiles it
 * to DL4J and emits it to oneDNN, and each stage's tests check that every kind has its entry.
 */
public sealed interface LayerSpec {
    /** Every layer kind an experiment file can name, in the order the docs list them. */
    List<String> KINDS = List.copyOf(Language.layerKinds());

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

    /**
     * padding null = {@code same} (output size = ceil(input / stride)). activation may be null (identity). init:
     * how the weights are drawn.
     */
    record Conv(int filters, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                String activation, InitSpec init) implements LayerSpec {
        /** With PyTorch's default initialisation. */
        public Conv(int filters, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                    String activation) {
            this(filters, kernel, stride, padding, dilation, bias, activation, InitSpec.PYTORCH);
        }
    }

    /**
     * momentum with PyTorch's meaning (running = (1-m)*running + m*batch); weight and bias: the initial values
     * of the scale (gamma) and shift (beta), PyTorch's 1 and 0 by default.
     */
    record BatchNorm(double eps, double momentum, double weight, double bias) implements LayerSpec {
        public BatchNorm(double eps, double momentum) {
            this(eps, momentum, 1, 0);
        }
    }

    /** relu, leaky_relu (alpha), tanh, sigmoid, gelu. */
    record Activation(String kind, double alpha) implements LayerSpec {}

    /** op max or avg (named op, not kind: a record component kind() would hide {@link #kind()}); padding null = {@code same}. */
    record Pool(String op, int[] kernel, int[] stride, int[] padding) implements LayerSpec {}

    /** op avg or max over height and width: [c, h, w] -> [c]. */
    record GlobalPool(String op) implements LayerSpec {}

    record Flatten() implements LayerSpec {}

    /** activation may be null (identity). init: how the weights are drawn. */
    record Dense(int units, boolean bias, String activation, InitSpec init) implements LayerSpec {
        /** With PyTorch's default initialisation. */
        public Dense(int units, boolean bias, String activation) {
            this(units, bias, activation, InitSpec.PYTORCH);
        }
    }

    /** p = probability of dropping, as torch.nn.Dropout. */
    record Dropout(double p) implements LayerSpec {}

    /** Element-wise sum of its inputs (same shapes). */
    record Add() implements LayerSpec {}

    /** Concatenation along channels (same height and width). */
    record Concat() implements LayerSpec {}
}
