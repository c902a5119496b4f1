package dev.runner.spec.layers;

import static dev.runner.spec.lang.Vocabulary.*;

import java.util.List;
import dev.runner.spec.lang.Vocabulary;

/**
 * 2-D convolution (nn.Conv2d). padding null = {@code same} (output size = ceil(input / stride)). activation may be
 * null (identity). init: how the weights are drawn.
 */
public record Conv(int filters, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                   String activation, InitSpec init) implements LayerSpec {
    public static final LayerKind KIND = LayerKind.of(
            Vocabulary.kind("conv", null, "2-D convolution (nn.Conv2d): output `[filters, h', w']`",
                    required("filters", integer(1, 1 << 16), "output channels"),
                    required("kernel", new Pair(1), "kernel size").example("3"),
                    key("stride", new Pair(1), 1, "step"),
                    key("padding", new Padding(), 0, "zeros added on each side; `same`: output size = ceil(input / stride); `valid` = 0"),
                    key("dilation", new Pair(1), 1, "spacing of the kernel's taps"),
                    key("bias", BOOL, true, "learn a bias per filter"),
                    LayerArgs.activationKey(),
                    LayerArgs.initKey()),
            (f, modelInit) -> {
                int filters = f.getInt("filters");
                int[] kernel = LayerArgs.pair(f, "kernel");
                int[] stride = LayerArgs.pair(f, "stride");
                int[] padding = LayerArgs.padding(f);
                int[] dilation = LayerArgs.pair(f, "dilation");
                boolean bias = f.getBool("bias");
                return new Conv(filters, kernel, stride, padding, dilation, bias, LayerArgs.activation(f),
                        LayerArgs.init(f, modelInit));
            });

    /** With PyTorch's default initialisation. */
    public Conv(int filters, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean bias,
                String activation) {
        this(filters, kernel, stride, padding, dilation, bias, activation, InitSpec.PYTORCH);
    }

    @Override
    public String kind() {
        return KIND.name();
    }

    @Override
    public int[] output(List<int[]> in, List<String> names) {
        int[] x = in.get(0);
        LayerArgs.image(x, "conv");
        if (init instanceof InitSpec.Whitening) {
            long d = (long) x[0] * kernel[0] * kernel[1];
            if (!names.isEmpty() && !names.equals(List.of("input")))
                throw new ShapeException("init whitening needs the network's input (its patches are the images'), got "
                        + String.join(", ", names));
            if (filters != d && filters != 2 * d)
                throw new ShapeException("init whitening makes " + d + " filters (in_channels x kernel) or " + 2 * d
                        + " (with their negatives), not " + filters);
            if (dilation[0] != 1 || dilation[1] != 1)
                throw new ShapeException("init whitening needs dilation 1");
        }
        String window = "kernel " + kernel[0] + "x" + kernel[1]
                + (dilation[0] == 1 && dilation[1] == 1 ? "" : " (dilation " + dilation[0] + "x" + dilation[1] + ")");
        int[] out = new int[3];
        out[0] = filters;
        for (int d = 0; d < 2; d++)
            out[d + 1] = LayerArgs.window(x[d + 1], kernel[d], stride[d], padding == null ? -1 : padding[d],
                    dilation[d], window, x);
        return out;
    }

    @Override
    public long params(int[] in) {
        return (long) filters * in[0] * kernel[0] * kernel[1] + (bias ? filters : 0);
    }

    @Override
    public List<String> paramNames() {
        return bias ? List.of("weight", "bias") : List.of("weight");
    }

    @Override
    public long paramSize(String name, int[] in) {
        return name.equals("bias") ? filters : (long) filters * in[0] * kernel[0] * kernel[1];
    }
}
