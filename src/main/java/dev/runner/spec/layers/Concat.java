package dev.runner.spec.layers;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** Concatenation along channels of its inputs (two or more, the same height and width, or all flat). */
public record Concat() implements LayerSpec {
    public static final LayerKind KIND = new LayerKind(
            Vocabulary.kind("concat", null, "concatenation along channels of its `inputs` (two or more, same height and width, or all flat)"),
            "concat", true, (f, modelInit) -> new Concat());

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        int[] out = x.clone();
        for (int i = 1; i < in.size(); i++) {
            int[] y = in.get(i);
            boolean ok = y.length == x.length && (x.length == 1 || y[1] == x[1] && y[2] == x[2]);
            if (!ok)
                throw new ShapeException("concat needs inputs with the same height and width, got " + LayerArgs.str(x)
                        + " from " + names.get(0) + " and " + LayerArgs.str(y) + " from " + names.get(i));
            out[0] += y[0];
        }
        return out;
    }
}
