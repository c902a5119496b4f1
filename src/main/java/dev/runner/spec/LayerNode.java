package dev.runner.spec;

import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.layers.LayerSpec;
import java.util.List;

/**
 * One layer of the expanded model graph.
 *
 * @param name   unique, stable, readable name ({@code conv1}, {@code layer1.0.conv1}, {@code layer1.0.add})
 * @param layer  what it computes, with every default filled in
 * @param inputs names of the nodes it reads (empty = the network input)
 * @param pos    where it was declared (for a block's layers: the use of the block)
 * @param path   its key path in the file, e.g. {@code model.layers[4]}
 * @param trainable for how many epochs each named parameter ({@code weight}, {@code bias}) trains: 0 = frozen,
 *               absent = every epoch
 * @param lrScale the optimizer's learning rate times this for the named parameter (absent = 1)
 * @param weightDecayScale the optimizer's weight decay times this for the named parameter (absent = 1)
 */
public record LayerNode(String name, LayerSpec layer, List<String> inputs, SourcePos pos, String path,
                        java.util.Map<String, Integer> trainable, java.util.Map<String, Double> lrScale,
                        java.util.Map<String, Double> weightDecayScale) {
    /** Every parameter trained in every epoch. */
    public LayerNode(String name, LayerSpec layer, List<String> inputs, SourcePos pos, String path) {
        this(name, layer, inputs, pos, path, java.util.Map.of());
    }

    /** At the optimizer's learning rate and weight decay. */
    public LayerNode(String name, LayerSpec layer, List<String> inputs, SourcePos pos, String path,
                     java.util.Map<String, Integer> trainable) {
        this(name, layer, inputs, pos, path, trainable, java.util.Map.of(), java.util.Map.of());
    }

    /** Whether any parameter has a rule of its own (trainable, lr_scale, weight_decay_scale). */
    public boolean hasParamRules() {
        return !trainable.isEmpty() || !lrScale.isEmpty() || !weightDecayScale.isEmpty();
    }

    /** Whether parameter {@code param} never trains. */
    public boolean frozen(String param) {
        return trainable.getOrDefault(param, Integer.MAX_VALUE) == 0;
    }
}
