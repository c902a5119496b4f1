package dev.runner.spec.layers;

import java.util.Arrays;
import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** [c, h, w] -> [c*h*w], in PyTorch's (channel-major) order. */
public record Flatten() implements LayerSpec {
    public static final LayerKind KIND = LayerKind.of(Vocabulary.kind("flatten", null, "`[c*h*w]`, PyTorch's order"),
            (f, modelInit) -> new Flatten());

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        return new int[] {Arrays.stream(in.get(0)).reduce(1, (a, b) -> a * b)};
    }
}
