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
 */
public record ModelSpec(int[] input, List<LayerNode> nodes, String loss, String output) {
}
