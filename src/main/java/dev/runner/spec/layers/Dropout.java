package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** Zeroes each value with probability p while training, as torch.nn.Dropout; the same shape out as in. */
public record Dropout(double p) implements LayerSpec {
    public static final LayerKind KIND = LayerKind.of(
            Vocabulary.kind("dropout", "p", "zeroes each value with probability p while training (nn.Dropout): same shape",
                    key("p", num(Range.UNIT_OPEN_TOP), 0.5, "probability of dropping")),
            (f, modelInit) -> new Dropout(f.getDouble("p")));

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        return in.get(0);
    }
}
