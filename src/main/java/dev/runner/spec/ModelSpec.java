package dev.runner.spec;

import java.util.List;

/**
 * The {@code model:} section with blocks, residuals and repeats already expanded into a flat DAG of layers in
 * topological order. Every node has a stable, readable name ({@code conv1}, {@code layer2.0.conv1}) and its
 * source position, so the compiler can report shape errors at the line that declared the layer.
 *
 * @param input  [channels, height, width]
 * @param loss   {@code cross_entropy}: a softmax + negative log likelihood head after the last node
 * @param output the name of the node whose output feeds the loss (the last one unless named)
 * @param labelSmoothing the loss's target is {@code (1 - s) * onehot + s / classes} (0: the one-hot label)
 * @param lossSum        the batch's loss is the sum of its examples' losses (false: the mean)
 */
public record ModelSpec(int[] input, List<LayerNode> nodes, String loss, String output, double labelSmoothing,
                        boolean lossSum) {
    /** Cross-entropy on the one-hot labels, averaged over the batch. */
    public ModelSpec(int[] input, List<LayerNode> nodes, String loss, String output) {
        this(input, nodes, loss, output, 0, false);
    }
}
