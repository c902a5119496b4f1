package dev.runner.spec.layers;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** Average or maximum over height and width, op avg or max: [c, h, w] -> [c]. */
public record GlobalPool(String op) implements LayerSpec {
    public static final List<LayerKind> KINDS = List.of(
            pool("avg", "average over height and width: `[c]`"),
            pool("max", "maximum over height and width: `[c]`"));

    private static LayerKind pool(String op, String doc) {
        return LayerKind.of(Vocabulary.kind("global_" + op + "pool", null, doc), (f, modelInit) -> new GlobalPool(op));
    }

    @Override
    public String kind() {
        return "global_" + op + "pool";
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        LayerArgs.image(x, kind());
        return new int[] {x[0]};
    }
}
