package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/**
 * An element-wise activation: relu, leaky_relu (alpha), tanh, sigmoid, gelu, relu6, hardswish, silu (PyTorch's
 * nn.ReLU6, nn.Hardswish, nn.SiLU, as MobileNetV2/V3 and EfficientNet use them); the same shape out as in.
 */
public record Activation(String kind, double alpha) implements LayerSpec {
    public static final List<LayerKind> KINDS = List.of(
            plain("relu", "max(0, x): same shape"),
            LayerKind.of(Vocabulary.kind("leaky_relu", "alpha", "x or alpha * x below 0: same shape",
                            key("alpha", num(Range.NON_NEGATIVE), 0.01, "slope below 0")),
                    (f, modelInit) -> new Activation("leaky_relu", f.getDouble("alpha"))),
            plain("tanh", "tanh: same shape"),
            plain("sigmoid", "logistic sigmoid: same shape"),
            plain("gelu", "GELU, PyTorch's exact x * (1 + erf(x / sqrt 2)) / 2: same shape"),
            plain("relu6", "min(max(0, x), 6) (nn.ReLU6): same shape"),
            plain("hardswish", "x * relu6(x + 3) / 6 (nn.Hardswish): same shape"),
            plain("silu", "x * sigmoid(x), also called swish (nn.SiLU): same shape"));

    /** The activations' names, also the values of a conv or dense layer's {@code activation:}. */
    public static final List<String> NAMES = KINDS.stream().map(LayerKind::name).toList();

    private static LayerKind plain(String name, String doc) {
        return LayerKind.of(Vocabulary.kind(name, null, doc), (f, modelInit) -> new Activation(name, 0));
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        return in.get(0);
    }
}
