package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/** Fully connected (nn.Linear) on a flat input. activation may be null (identity). init: how the weights are drawn. */
public record Dense(int units, boolean bias, String activation, InitSpec init) implements LayerSpec {
    public static final LayerKind KIND = new LayerKind(
            Vocabulary.kind("dense", "units", "fully connected (nn.Linear), needs a flat input: `[units]`",
                    required("units", integer(1, 1 << 24), "outputs"),
                    key("bias", BOOL, true, "learn a bias per unit"),
                    LayerArgs.activationKey(),
                    LayerArgs.initKey()),
            "fc", false,
            (f, modelInit) -> new Dense(f.getInt("units"), f.getBool("bias"), LayerArgs.activation(f),
                    LayerArgs.init(f, modelInit)));

    /** With PyTorch's default initialisation. */
    public Dense(int units, boolean bias, String activation) {
        this(units, bias, activation, InitSpec.PYTORCH);
    }

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        if (init instanceof InitSpec.Dirac || init instanceof InitSpec.Whitening)
            throw new ShapeException("init " + init.kind() + " is for conv layers (a dense layer's default init"
                    + " comes from model.init; give it its own init)");
        if (x.length != 1)
            throw new ShapeException("dense needs a flat input, got " + LayerArgs.str(x)
                    + "; put a flatten or a global pool before it");
        return new int[] {units};
    }

    @Override
    public long params(int[] in) {
        return (long) units * in[0] + (bias ? units : 0);
    }

    @Override
    public List<String> paramNames() {
        return bias ? List.of("weight", "bias") : List.of("weight");
    }

    @Override
    public long paramSize(String name, int[] in) {
        return name.equals("bias") ? units : (long) units * in[0];
    }
}
