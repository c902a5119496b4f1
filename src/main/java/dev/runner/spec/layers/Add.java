package dev.runner.spec.layers;

import java.util.Arrays;
import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** Element-wise sum of its inputs (two or more, the same shape). */
public record Add() implements LayerSpec {
    public static final LayerKind KIND = new LayerKind(
            Vocabulary.kind("add", null, "element-wise sum of its `inputs` (two or more, same shape)"),
            "add", true, (f, modelInit) -> new Add());

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        for (int i = 1; i < in.size(); i++)
            if (!Arrays.equals(in.get(i), x))
                throw new ShapeException("add needs inputs of the same shape, got " + LayerArgs.str(x) + " from "
                        + names.get(0) + " and " + LayerArgs.str(in.get(i)) + " from " + names.get(i));
        return x;
    }
}
