package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** Multiplies every value by a constant {@code factor} (no parameters), e.g. a network's logits by 1/9; same shape. */
public record Scale(double factor) implements LayerSpec {
    public static final LayerKind KIND = LayerKind.of(
            Vocabulary.kind("scale", "factor", "multiplies by a constant, `factor * x` (no parameters): same shape",
                    required("factor", num(Range.ANY), "the constant").example("0.1111")),
            (f, modelInit) -> new Scale(f.getDouble("factor")));

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        return in.get(0);
    }
}
