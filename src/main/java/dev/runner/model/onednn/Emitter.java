package dev.runner.model.onednn;

import dev.runner.spec.LayerNode;
import java.util.List;

/** What one layer kind becomes in a plan: oneDNN primitives for its forward pass, and for its backward pass. */
interface Emitter {
    /**
     * Adds {@code node}'s forward steps to {@code plan} and registers its output ({@link Plan#register});
     * returns what adds its backward steps (called in reverse order, training plans only), or null.
     *
     * @param inputs the values it reads, in the order of its inputs
     */
    Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs);
}
