package dev.runner.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.runner.spec.lang.SpecException;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.layers.ShapeException;

/**
 * Output shapes and trainable parameter counts of a whole model, from each layer's own
 * ({@link LayerSpec#output}, {@link LayerSpec#params}). Shapes exclude the batch dimension: [channels, height, width]
 * for images, [n] for flat vectors.
 */
public final class Shapes {
    private Shapes() {}

    /** The output shape of every node, keyed by name, in the model's order. */
    public static Map<String, int[]> infer(ModelSpec model) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (LayerNode n : model.nodes()) {
            List<int[]> in = new ArrayList<>();
            if (n.inputs().isEmpty()) in.add(model.input());
            for (String i : n.inputs()) in.add(shapes.get(i));
            try {
                shapes.put(n.name(), n.layer().output(in, n.inputs()));
            } catch (ShapeException e) {
                throw new SpecException(n.pos(), n.path(), n.name() + ": " + e.getMessage());
            }
        }
        return shapes;
    }

    /** Trainable parameters of every node (batch-norm running statistics are not parameters). */
    public static Map<String, Long> params(ModelSpec model) {
        Map<String, int[]> shapes = infer(model);
        Map<String, Long> out = new LinkedHashMap<>();
        for (LayerNode n : model.nodes()) {
            int[] in = n.inputs().isEmpty() ? model.input() : shapes.get(n.inputs().get(0));
            out.put(n.name(), n.layer().params(in));
        }
        return out;
    }

    public static long totalParams(ModelSpec model) {
        return params(model).values().stream().mapToLong(Long::longValue).sum();
    }

    /** [3, 32, 32] */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
