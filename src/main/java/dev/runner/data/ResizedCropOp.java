package dev.runner.data;

import dev.runner.spec.TransformSpec;

import java.util.SplittableRandom;

/**
 * transforms.RandomResizedCrop: torchvision's {@code get_params} (up to ten tries of an area fraction uniform in
 * {@code scale} and an aspect ratio log-uniform in {@code ratio}, crop width {@code round(sqrt(area * ratio))},
 * height {@code round(sqrt(area / ratio))}, position uniform; else the centre crop of the clamped ratio), then
 * the crop resized to the output size: {@code bilinear} with antialiasing (torchvision's and PIL's triangle filter,
 * widened by the scale when shrinking; rows then columns, in float), or {@code nearest} (source index
 * {@code floor(i * in / out)}, as torch's interpolate).
 *
 * <p>Random draws per try: area ({@code nextDouble}), log ratio ({@code nextDouble}); on success the top row and
 * the left column ({@code nextInt}).
 */
final class ResizedCropOp implements ImageOp {
    private final int channels;
    private final int inH;
    private final int inW;
    private final int outH;
    private final int outW;
    private final double[] scale;
    private final double[] logRatio;
    private final double[] ratio;
    private final boolean bilinear;

    ResizedCropOp(TransformSpec.RandomResizedCrop spec, int channels, int inH, int inW) {
        this.channels = channels;
        this.inH = inH;
        this.inW = inW;
        this.outH = spec.height();
        this.outW = spec.width();
        this.scale = spec.scale();
        this.ratio = spec.ratio();
        this.logRatio = new double[] {Math.log(spec.ratio()[0]), Math.log(spec.ratio()[1])};
        this.bilinear = !"nearest".equals(spec.interpolation());
    }

    @Override
    public int outH() {
        return outH;
    }

    @Override
    public int outW() {
        return outW;
    }

    @Override
    public int workFloats() {
        return channels * inH * outW;
    }

    /** {@code {top, left, height, width}} of the crop. */
    static int[] crop(int h, int w, double[] scale, double[] logRatio, double[] ratio, SplittableRandom rng) {
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scale[0] + (scale[1] - scale[0]) * rng.nextDouble());
            double aspect = Math.exp(logRatio[0] + (logRatio[1] - logRatio[0]) * rng.nextDouble());
            int cw = (int) Math.rint(Math.sqrt(target * aspect));
            int ch = (int) Math.rint(Math.sqrt(target / aspect));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int top = rng.nextInt(h - ch + 1);
                int left = rng.nextInt(w - cw + 1);
                return new int[] {top, left, ch, cw};
            }
        }
        double inRatio = (double) w / h;
        int cw;
        int ch;
        if (inRatio < Math.min(ratio[0], ratio[1])) {
            cw = w;
            ch = (int) Math.rint(cw / Math.min(ratio[0], ratio[1]));
        } else if (inRatio > Math.max(ratio[0], ratio[1])) {
            ch = h;
            cw = (int) Math.rint(ch * Math.max(ratio[0], ratio[1]));
        } else {
            cw = w;
            ch = h;
        }
        return new int[] {(h - ch) / 2, (w - cw) / 2, ch, cw};
    }

    @Override
    public void apply(float[] src, SplittableRandom rng, float[] dst, float[] work) {
        int[] c = crop(inH, inW, scale, logRatio, ratio, rng);
        resize(src, channels, inH, inW, c[0], c[1], c[2], c[3], dst, outH, outW, bilinear, work);
    }

    /**
     * Resizes the {@code ch x cw} region at ({@code top}, {@code left}) of {@code src} (CHW, h x w) to {@code dst}
     * (CHW, oh x ow); {@code work} holds at least {@code channels * ch * ow} floats.
     */
    static void resize(float[] src, int channels, int h, int w, int top, int left, int ch, int cw, float[] dst,
                       int oh, int ow, boolean bilinear, float[] work) {
        if (!bilinear) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < oh; y++) {
                    int sy = top + Math.min((int) Math.floor(y * ((double) ch / oh)), ch - 1);
                    for (int x = 0; x < ow; x++) {
                        int sx = left + Math.min((int) Math.floor(x * ((double) cw / ow)), cw - 1);
                        dst[(c * oh + y) * ow + x] = src[(c * h + sy) * w + sx];
                    }
                }
            }
            return;
        }
        Weights wx = Weights.of(cw, ow);
        Weights wy = Weights.of(ch, oh);
        // columns: work[c][row of the crop][ow]
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < ch; y++) {
                int row = (c * h + top + y) * w + left;
                int o = (c * ch + y) * ow;
                for (int x = 0; x < ow; x++) {
                    float s = 0f;
                    int first = wx.first[x];
                    int base = x * wx.taps;
                    for (int k = 0; k < wx.count[x]; k++) {
                        s += wx.weight[base + k] * src[row + first + k];
                    }
                    work[o + x] = s;
                }
            }
        }
        // rows
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < oh; y++) {
                int first = wy.first[y];
                int base = y * wy.taps;
                int o = (c * oh + y) * ow;
                for (int x = 0; x < ow; x++) {
                    float s = 0f;
                    for (int k = 0; k < wy.count[y]; k++) {
                        s += wy.weight[base + k] * work[(c * ch + first + k) * ow + x];
                    }
                    dst[o + x] = s;
                }
            }
        }
    }

    /**
     * The antialiased bilinear weights of PIL's {@code precompute_coeffs} (and torchvision's antialias): output
     * {@code i} reads inputs around {@code (i + 0.5) * scale}, with a triangle filter of support
     * {@code max(scale, 1)}, normalised to sum 1.
     */
    static final class Weights {
        final int taps;
        final int[] first;
        final int[] count;
        final float[] weight;

        private Weights(int taps, int out) {
            this.taps = taps;
            this.first = new int[out];
            this.count = new int[out];
            this.weight = new float[taps * out];
        }

        static Weights of(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // bilinear's support is 1
            int taps = (int) Math.ceil(support) * 2 + 1;
            Weights ws = new Weights(taps, out);
            for (int i = 0; i < out; i++) {
                double centre = (i + 0.5) * scale;
                int xmin = Math.max((int) (centre - support + 0.5), 0);
                int xmax = Math.min((int) (centre + support + 0.5), in) - xmin;
                double total = 0;
                double[] wv = new double[xmax];
                for (int j = 0; j < xmax; j++) {
                    double t = Math.abs((j + xmin - centre + 0.5) / filterScale);
                    wv[j] = t < 1 ? 1 - t : 0;
                    total += wv[j];
                }
                ws.first[i] = xmin;
                ws.count[i] = xmax;
                for (int j = 0; j < xmax; j++) {
                    ws.weight[i * taps + j] = (float) (total == 0 ? 0 : wv[j] / total);
                }
            }
            return ws;
        }
    }
}
