package dev.runner.data;

import dev.runner.spec.TransformSpec;

import java.util.SplittableRandom;

/**
 * transforms.RandomErasing on the normalised image, as torchvision's after Normalize: with probability {@code p}
 * ({@code nextDouble() < p}), up to ten tries of an area fraction uniform in {@code scale} and an aspect ratio
 * (height / width) log-uniform in {@code ratio}, {@code h = round(sqrt(area * ratio))},
 * {@code w = round(sqrt(area / ratio))}; the first that fits inside ({@code h < height} and {@code w < width}) is
 * placed uniformly (top row, then left column, {@code nextInt}) and set to {@code value}, or to standard normal
 * noise (drawn before the position, channel by channel, row by row). No fit in ten tries: nothing is erased.
 */
final class ErasingOp {
    private final double p;
    private final double[] scale;
    private final double[] logRatio;
    private final float[] value; // null = random
    private final int channels;
    private final int h;
    private final int w;

    ErasingOp(TransformSpec.RandomErasing spec, int channels, int h, int w) {
        this.p = spec.p();
        this.scale = spec.scale();
        this.logRatio = new double[] {Math.log(spec.ratio()[0]), Math.log(spec.ratio()[1])};
        this.channels = channels;
        this.h = h;
        this.w = w;
        if (spec.value() == null) {
            this.value = null;
        } else {
            this.value = new float[channels];
            for (int c = 0; c < channels; c++) {
                value[c] = (float) spec.value()[spec.value().length == 1 ? 0 : c];
            }
        }
    }

    /** Erases in {@code dst} (CHW, or HWC with {@code nhwc}) at {@code off}. */
    void apply(float[] dst, int off, boolean nhwc, SplittableRandom rng) {
        if (!(rng.nextDouble() < p)) {
            return;
        }
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scale[0] + (scale[1] - scale[0]) * rng.nextDouble());
            double aspect = Math.exp(logRatio[0] + (logRatio[1] - logRatio[0]) * rng.nextDouble());
            int eh = (int) Math.rint(Math.sqrt(target * aspect));
            int ew = (int) Math.rint(Math.sqrt(target / aspect));
            if (!(eh < h && ew < w)) {
                continue;
            }
            float[] noise = null;
            if (value == null) {
                noise = new float[channels * eh * ew];
                for (int i = 0; i < noise.length; i++) {
                    noise[i] = (float) rng.nextGaussian();
                }
            }
            int top = rng.nextInt(h - eh + 1);
            int left = rng.nextInt(w - ew + 1);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < eh; y++) {
                    for (int x = 0; x < ew; x++) {
                        float v = noise == null ? value[c] : noise[(c * eh + y) * ew + x];
                        int yy = top + y;
                        int xx = left + x;
                        dst[off + (nhwc ? (yy * w + xx) * channels + c : (c * h + yy) * w + xx)] = v;
                    }
                }
            }
            return;
        }
    }
}
