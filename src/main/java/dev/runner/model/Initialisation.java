package dev.runner.model;

import dev.runner.spec.layers.InitSpec;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Draws a layer's initial parameters as {@code torch.nn.init} does: the weights by the layer's {@link InitSpec}
 * ({@code pytorch}: each layer's default), the biases by PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
 * batch norm's scale and shift as constants. Each layer draws from its own stream seeded by (seed, layer name),
 * so the weights are deterministic from the experiment's seed and adding a layer does not change the others'.
 */
final class Initialisation {
    private Initialisation() {}

    /**
     * A conv or dense layer: {@code fanIn} = in_channels * kh * kw (inputs for dense), {@code fanOut} =
     * out_channels * kh * kw (units for dense), as {@code torch.nn.init._calculate_fan_in_and_fan_out}.
     */
    record Target(InitSpec init, long fanIn, long fanOut) {}

    /** Sets the layer's weights {@code W} and bias {@code b} (if any). */
    static void apply(Layer layer, String name, Target t, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        INDArray w = layer.paramTable().get("W");
        fill(w, weights(t), rnd);
        if (t.init() instanceof InitSpec.Dirac) dirac(w);
        double bound = 1.0 / Math.sqrt(t.fanIn());
        // a whitening conv's bias starts at 0 (its weights are set from the data after compiling: see Whitening)
        fill(layer.paramTable().get("b"), t.init() instanceof InitSpec.Whitening ? new Draw(false, 0, 0)
                : new Draw(false, -bound, bound), rnd);
    }

    /**
     * {@code torch.nn.init.dirac_} on the first min(out, in) filters of a conv weight [out, in, kh, kw]: filter i is
     * 1 at input channel i's kernel centre ((kh / 2, kw / 2)) and 0 elsewhere; the other filters keep their draw.
     */
    static void dirac(INDArray w) {
        int out = (int) w.size(0), in = (int) w.size(1), kh = (int) w.size(2), kw = (int) w.size(3);
        float[] v = w.dup('c').data().asFloat();
        int filter = in * kh * kw;
        for (int i = 0; i < Math.min(out, in); i++) {
            java.util.Arrays.fill(v, i * filter, (i + 1) * filter, 0f);
            v[i * filter + (i * kh + kh / 2) * kw + kw / 2] = 1f;
        }
        w.assign(Nd4j.createFromArray(v).reshape('c', w.shape()));
    }

    /** Sets batch norm's scale (gamma) and shift (beta) to constants. */
    static void batchNorm(Layer layer, double weight, double bias) {
        layer.paramTable().get(BatchNormalizationParamInitializer.GAMMA).assign(weight);
        layer.paramTable().get(BatchNormalizationParamInitializer.BETA).assign(bias);
    }

    /** A distribution: normal(a, b) (mean, std) or uniform(a, b) (low, high). */
    record Draw(boolean normal, double a, double b) {
        double next(SplittableRandom rnd) {
            return normal ? a + b * rnd.nextGaussian() : a + (b - a) * rnd.nextDouble();
        }
    }

    /** The distribution PyTorch draws the weights from. */
    static Draw weights(Target t) {
        InitSpec init = t.init();
        if (init instanceof InitSpec.Pytorch) { // kaiming_uniform(a = sqrt 5): gain sqrt(1/3), bound sqrt(3/fan_in) gain
            double bound = 1.0 / Math.sqrt(t.fanIn());
            return new Draw(false, -bound, bound);
        }
        if (init instanceof InitSpec.Kaiming k) {
            double std = gain(k.nonlinearity(), k.a()) / Math.sqrt(k.mode().equals("fan_out") ? t.fanOut() : t.fanIn());
            return k.normal() ? new Draw(true, 0, std) : new Draw(false, -Math.sqrt(3) * std, Math.sqrt(3) * std);
        }
        if (init instanceof InitSpec.Xavier x) {
            double std = x.gain() * Math.sqrt(2.0 / (t.fanIn() + t.fanOut()));
            return x.normal() ? new Draw(true, 0, std) : new Draw(false, -Math.sqrt(3) * std, Math.sqrt(3) * std);
        }
        if (init instanceof InitSpec.Normal n) return new Draw(true, n.mean(), n.std());
        if (init instanceof InitSpec.Uniform u) return new Draw(false, u.low(), u.high());
        if (init instanceof InitSpec.Constant c) return new Draw(false, c.value(), c.value());
        if (init instanceof InitSpec.Dirac d) {            // the filters beyond min(out, in): zeros or the default
            double bound = d.othersDefault() ? 1.0 / Math.sqrt(t.fanIn()) : 0;
            return new Draw(false, -bound, bound);
        }
        if (init instanceof InitSpec.Whitening) {          // a placeholder until the data sets them
            double bound = 1.0 / Math.sqrt(t.fanIn());
            return new Draw(false, -bound, bound);
        }
        throw new IllegalStateException("no distribution for " + init);
    }

    /** {@code torch.nn.init.calculate_gain}. */
    static double gain(String nonlinearity, double a) {
        return switch (nonlinearity) {
            case "linear", "sigmoid" -> 1;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2);
            case "leaky_relu" -> Math.sqrt(2 / (1 + a * a));
            case "selu" -> 0.75;
            default -> throw new IllegalArgumentException("unknown nonlinearity " + nonlinearity);
        };
    }

    private static void fill(INDArray p, Draw d, SplittableRandom rnd) {
        if (p == null) return;
        float[] v = new float[(int) p.length()];
        for (int i = 0; i < v.length; i++) v[i] = (float) d.next(rnd);
        p.assign(Nd4j.createFromArray(v).reshape(p.ordering(), p.shape()));
    }
}
