package dev.runner.model.onednn;

import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.ModelSpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The graph analysis: an expanded model spec as the step runs it. Its layers in the spec's (topological) order,
 * pruned to those the output depends on, how many readers each value has (the loss reads the output), and which
 * batch norms run with the ReLU after them as one primitive (oneDNN's {@code fuse_norm_relu}: where the ReLU is
 * the batch norm's only reader).
 */
final class StepGraph {
    /** The name of the network input's value (no layer name can be empty). */
    static final String INPUT = "";

    final List<LayerNode> nodes;
    final String output;
    final Map<String, Integer> consumers = new HashMap<>();
    /** Batch norms that apply the ReLU after them. */
    final Set<String> normsWithRelu = new HashSet<>();
    /** Those ReLUs: their output is the batch norm's. */
    final Set<String> fusedRelus = new TreeSet<>();

    /** Something in a spec the step cannot run: the layer (null for the model as a whole) and why. */
    record Problem(LayerNode node, String reason) {}

    StepGraph(ModelSpec spec) {
        this.output = spec.output() != null ? spec.output() : spec.nodes().get(spec.nodes().size() - 1).name();
        Map<String, LayerNode> byName = new HashMap<>();
        for (LayerNode n : spec.nodes()) byName.put(n.name(), n);
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!needed.add(name)) continue;
            for (String i : inputs(byName.get(name))) if (!i.equals(INPUT)) todo.push(i);
        }
        List<LayerNode> kept = new ArrayList<>();
        for (LayerNode n : spec.nodes()) {
            if (!needed.contains(n.name())) continue;
            kept.add(n);
            for (String i : inputs(n)) consumers.merge(i, 1, Integer::sum);
        }
        consumers.merge(output, 1, Integer::sum);
        this.nodes = Collections.unmodifiableList(kept);
        for (LayerNode r : kept) {
            if (!(r.layer() instanceof Activation a) || !a.kind().equals("relu")) continue;
            LayerNode b = byName.get(inputs(r).get(0));
            if (b == null || !(b.layer() instanceof BatchNorm) || consumers.get(b.name()) != 1) continue;
            normsWithRelu.add(b.name());
            fusedRelus.add(r.name());
        }
    }

    /**
     * Whether each layer runs in bf16 for a batch of {@code batch}, in order: convolutions and dense layers as
     * {@code rule} says, every other layer in the type of its first input (the network input is f32), so values
     * are converted only where a convolution or dense layer changes type, or where a layer joins values of both.
     */
    Map<String, Boolean> bf16(Bf16Rule rule, long batch) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (LayerNode n : nodes) {
            boolean compute = n.layer() instanceof Conv || n.layer() instanceof Dense;
            out.put(n.name(), compute ? rule.bf16(n.name(), batch) : out.getOrDefault(inputs(n).get(0), false));
        }
        return out;
    }

    /** A node's inputs, {@link #INPUT} for the network's. */
    static List<String> inputs(LayerNode n) {
        return n.inputs().isEmpty() ? List.of(INPUT) : n.inputs();
    }

    /** The first thing in {@code spec} the step cannot run with these emitters, or null. */
    static Problem check(ModelSpec spec, Map<String, Emitter> emitters) {
        if (spec.loss() != null && !spec.loss().equals("cross_entropy")) {
            return new Problem(null, "no oneDNN loss '" + spec.loss() + "'");
        }
        for (LayerNode n : spec.nodes()) {
            if (!emitters.containsKey(n.layer().kind())) {
                return new Problem(n, "the oneDNN step has no emitter for " + n.layer().kind());
            }
        }
        return null;
    }
}
