package dev.runner.spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.runner.spec.LayerSpec.Activation;
import dev.runner.spec.LayerSpec.Add;
import dev.runner.spec.LayerSpec.BatchNorm;
import dev.runner.spec.LayerSpec.Concat;
import dev.runner.spec.LayerSpec.Conv;
import dev.runner.spec.LayerSpec.Dense;
import dev.runner.spec.LayerSpec.Dropout;
import dev.runner.spec.LayerSpec.Flatten;
import dev.runner.spec.LayerSpec.GlobalPool;
import dev.runner.spec.LayerSpec.Pool;

/**
 * Output shapes and trainable parameter counts with PyTorch's arithmetic. Shapes exclude the batch dimension:
 * [channels, height, width] for images, [n] for flat vectors.
 */
public final class Shapes {
    private Shapes() {}

    /** A shape that cannot work; {@link #infer} turns it into a {@link SpecException} at the layer. */
    public static final class ShapeException extends RuntimeException {
        public ShapeException(String message) {
            super(message);
        }
    }

    /** The output shape of every node, keyed by name, in the model's order. */
    public static Map<String, int[]> infer(ModelSpec model) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (LayerNode n : model.nodes()) {
            List<int[]> in = new ArrayList<>();
            if (n.inputs().isEmpty()) in.add(model.input());
            for (String i : n.inputs()) in.add(shapes.get(i));
            try {
                shapes.put(n.name(), output(n.layer(), in, n.inputs()));
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
            out.put(n.name(), params(n.layer(), in));
        }
        return out;
    }

    public static long totalParams(ModelSpec model) {
        return params(model).values().stream().mapToLong(Long::longValue).sum();
    }

    /** PyTorch's parameter count of one layer given its (first) input shape. */
    public static long params(LayerSpec layer, int[] in) {
        if (layer instanceof Conv c)
            return (long) c.filters() * in[0] * c.kernel()[0] * c.kernel()[1] + (c.bias() ? c.filters() : 0);
        if (layer instanceof BatchNorm) return 2L * in[0];
        if (layer instanceof Dense d) return (long) d.units() * in[0] + (d.bias() ? d.units() : 0);
        return 0;
    }

    /** The output shape of a layer; {@code names} name the inputs for messages. */
    public static int[] output(LayerSpec layer, List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        if (layer instanceof Add) {
            for (int i = 1; i < in.size(); i++)
                if (!Arrays.equals(in.get(i), x))
                    throw new ShapeException("add needs inputs of the same shape, got " + str(x) + " from "
                            + names.get(0) + " and " + str(in.get(i)) + " from " + names.get(i));
            return x;
        }
        if (layer instanceof Concat) {
            int[] out = x.clone();
            for (int i = 1; i < in.size(); i++) {
                int[] y = in.get(i);
                boolean ok = y.length == x.length && (x.length == 1 || y[1] == x[1] && y[2] == x[2]);
                if (!ok)
                    throw new ShapeException("concat needs inputs with the same height and width, got " + str(x)
                            + " from " + names.get(0) + " and " + str(y) + " from " + names.get(i));
                out[0] += y[0];
            }
            return out;
        }
        if (layer instanceof Conv c) {
            image(x, "conv");
            int[] out = new int[3];
            out[0] = c.filters();
            for (int d = 0; d < 2; d++)
                out[d + 1] = window(x[d + 1], c.kernel()[d], c.stride()[d],
                        c.padding() == null ? -1 : c.padding()[d], c.dilation()[d], c, x);
            return out;
        }
        if (layer instanceof Pool p) {
            image(x, p.kind());
            if (p.padding() != null && (2 * p.padding()[0] > p.kernel()[0] || 2 * p.padding()[1] > p.kernel()[1]))
                throw new ShapeException("pool padding must be at most half the kernel (" + p.kernel()[0] + "x"
                        + p.kernel()[1] + "), got " + p.padding()[0] + "x" + p.padding()[1]);
            int[] out = {x[0], 0, 0};
            for (int d = 0; d < 2; d++)
                out[d + 1] = window(x[d + 1], p.kernel()[d], p.stride()[d],
                        p.padding() == null ? -1 : p.padding()[d], 1, p, x);
            return out;
        }
        if (layer instanceof GlobalPool g) {
            image(x, g.kind());
            return new int[] {x[0]};
        }
        if (layer instanceof Flatten) return new int[] {Arrays.stream(x).reduce(1, (a, b) -> a * b)};
        if (layer instanceof Dense d) {
            if (x.length != 1)
                throw new ShapeException("dense needs a flat input, got " + str(x)
                        + "; put a flatten or a global pool before it");
            return new int[] {d.units()};
        }
        if (layer instanceof BatchNorm || layer instanceof Activation || layer instanceof Dropout) return x;
        throw new IllegalStateException("unknown layer " + layer);
    }

    /** floor((in + 2p - d(k-1) - 1) / s) + 1, or ceil(in / s) for {@code same} (pad < 0). */
    private static int window(int in, int k, int s, int pad, int dil, LayerSpec l, int[] x) {
        if (pad < 0) return (in + s - 1) / s;
        int span = dil * (k - 1) + 1;
        if (span > in + 2 * pad)
            throw new ShapeException((l instanceof Conv ? "kernel " : "pool window ") + kernel(l)
                    + " does not fit the " + x[1] + "x" + x[2] + " input" + (pad > 0 ? " padded by " + pad : ""));
        return (in + 2 * pad - span) / s + 1;
    }

    private static String kernel(LayerSpec l) {
        int[] k = l instanceof Conv c ? c.kernel() : ((Pool) l).kernel();
        int[] d = l instanceof Conv c ? c.dilation() : new int[] {1, 1};
        String s = k[0] + "x" + k[1];
        return d[0] == 1 && d[1] == 1 ? s : s + " (dilation " + d[0] + "x" + d[1] + ")";
    }

    private static void image(int[] x, String what) {
        if (x.length != 3) throw new ShapeException(what + " needs a [channels, height, width] input, got " + str(x));
    }

    /** [3, 32, 32] */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
