package dev.runner.spec.layers;

import java.util.List;

/**
 * What one layer computes, with every default filled in. Kernel, stride, padding and dilation are [height, width];
 * shapes exclude the batch dimension: [channels, height, width] for images, [n] for flat vectors.
 *
 * <p>Each kind lives in one file of this package: its record (implementing this), its schema section, its parsing
 * (both in its {@link LayerKind}), its output shape and its parameter count, with PyTorch's arithmetic.
 * {@link LayerKinds#ALL} is the one ordered list of them. The engines key their entry for a layer on {@link #kind()}
 * (the DL4J compile table {@code LayerCompilers.BY_KIND}, the oneDNN {@code Emitters.BY_KIND}), and a test checks
 * that every kind has both.
 */
public interface LayerSpec {
    /** The kind's name as written in an experiment file (one of {@link LayerKinds#NAMES}). */
    String kind();

    /**
     * The output shape given the input shapes ({@code names} name the inputs for messages).
     *
     * @throws ShapeException when the inputs cannot work
     */
    int[] output(List<int[]> in, List<String> names);

    /** PyTorch's count of trainable parameters given the (first) input shape (batch-norm statistics are not). */
    default long params(int[] in) {
        return 0;
    }

    /** Its parameters by PyTorch's names ({@code weight}, {@code bias}), for {@code trainable:}; none by default. */
    default List<String> paramNames() {
        return List.of();
    }

    /** The size of parameter {@code name} (one of {@link #paramNames}) given the (first) input shape. */
    default long paramSize(String name, int[] in) {
        throw new IllegalArgumentException(kind() + " has no parameter " + name);
    }
}
