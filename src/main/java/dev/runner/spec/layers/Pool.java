package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/**
 * Max or average pooling over a window. op max or avg (named op, not kind: a record component kind() would hide
 * {@link #kind()}); padding null = {@code same}.
 */
public record Pool(String op, int[] kernel, int[] stride, int[] padding) implements LayerSpec {
    public static final List<LayerKind> KINDS = List.of(
            pool("max", "max"),
            pool("avg", "average (padding zeros counted, PyTorch's count_include_pad)"));

    private static LayerKind pool(String op, String what) {
        return LayerKind.of(
                Vocabulary.kind(op + "pool", "kernel", what + " pooling",
                        required("kernel", new Pair(1), "window size"),
                        optional("stride", new Pair(1), "= kernel", "step"),
                        key("padding", new Padding(), 0, "at most half the kernel; `same` or `valid` as for conv")),
                (f, modelInit) -> {
                    int[] kernel = LayerArgs.pair(f, "kernel");
                    int[] stride = f.has("stride") ? LayerArgs.pair(f, "stride") : kernel;
                    return new Pool(op, kernel, stride, LayerArgs.padding(f));
                });
    }

    @Override
    public String kind() {
        return op + "pool";
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        LayerArgs.image(x, kind());
        if (padding != null && (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1]))
            throw new ShapeException("pool padding must be at most half the kernel (" + kernel[0] + "x"
                    + kernel[1] + "), got " + padding[0] + "x" + padding[1]);
        String window = "pool window " + kernel[0] + "x" + kernel[1];
        int[] out = {x[0], 0, 0};
        for (int d = 0; d < 2; d++)
            out[d + 1] = LayerArgs.window(x[d + 1], kernel[d], stride[d], padding == null ? -1 : padding[d], 1, window, x);
        return out;
    }
}
