package dev.runner.data;

import dev.runner.spec.TransformSpec;

import java.util.SplittableRandom;

/**
 * transforms.ColorJitter on a float tensor, as torchvision computes it: the order of the four adjustments is a
 * random permutation, then the factors are drawn (brightness, contrast, saturation, hue, each uniform in its
 * range), then the adjustments run in that order, each clamped to [0, 1]. Brightness: {@code x * f}; contrast:
 * blend with the mean of the image's grey ({@code 0.2989 R + 0.587 G + 0.114 B}; a grey image's own mean);
 * saturation: blend with each pixel's grey; hue: shift H in HSV by {@code f} turns (torchvision's
 * {@code _rgb2hsv}/{@code _hsv2rgb}). Saturation and hue leave a 1-channel image unchanged, as torchvision does.
 *
 * <p>Random draws: the permutation (Fisher-Yates, {@code nextInt(4)}, {@code nextInt(3)}, {@code nextInt(2)}),
 * then one {@code nextDouble()} per adjustment that is on, in the order brightness, contrast, saturation, hue.
 */
final class ColorJitterOp implements ImageOp {
    private final double[][] ranges; // brightness, contrast, saturation, hue; null = off
    private final int channels;
    private final int h;
    private final int w;

    ColorJitterOp(TransformSpec.ColorJitter spec, int channels, int h, int w) {
        this.ranges = new double[][] {spec.brightness(), spec.contrast(), spec.saturation(), spec.hue()};
        this.channels = channels;
        this.h = h;
        this.w = w;
    }

    @Override
    public int outH() {
        return h;
    }

    @Override
    public int outW() {
        return w;
    }

    @Override
    public void apply(float[] src, SplittableRandom rng, float[] dst, float[] work) {
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[] factor = new double[4];
        for (int k = 0; k < 4; k++) {
            double[] r = ranges[k];
            factor[k] = r == null ? Double.NaN : r[0] + (r[1] - r[0]) * rng.nextDouble();
        }
        int n = channels * h * w;
        System.arraycopy(src, 0, dst, 0, n);
        for (int k : order) {
            if (ranges[k] == null) {
                continue;
            }
            float f = (float) factor[k];
            switch (k) {
                case 0 -> brightness(dst, n, f);
                case 1 -> contrast(dst, f);
                case 2 -> saturation(dst, f);
                default -> hue(dst, f);
            }
        }
    }

    private static float clamp(float v) {
        return v < 0f ? 0f : Math.min(v, 1f);
    }

    static void brightness(float[] x, int n, float f) {
        for (int i = 0; i < n; i++) {
            x[i] = clamp(f * x[i]);
        }
    }

    /** torchvision's rgb_to_grayscale of pixel {@code p}. */
    private float grey(float[] x, int p) {
        int plane = h * w;
        return 0.2989f * x[p] + 0.587f * x[p + plane] + 0.114f * x[p + 2 * plane];
    }

    void contrast(float[] x, float f) {
        int plane = h * w;
        int n = channels * plane;
        double sum = 0;
        if (channels == 3) {
            for (int p = 0; p < plane; p++) {
                sum += grey(x, p);
            }
        } else {
            for (int i = 0; i < n; i++) {
                sum += x[i];
            }
        }
        float mean = (float) (sum / (channels == 3 ? plane : n));
        float g = (1f - f) * mean;
        for (int i = 0; i < n; i++) {
            x[i] = clamp(f * x[i] + g);
        }
    }

    void saturation(float[] x, float f) {
        if (channels != 3) {
            return;
        }
        int plane = h * w;
        float o = 1f - f;
        for (int p = 0; p < plane; p++) {
            float g = o * grey(x, p);
            x[p] = clamp(f * x[p] + g);
            x[p + plane] = clamp(f * x[p + plane] + g);
            x[p + 2 * plane] = clamp(f * x[p + 2 * plane] + g);
        }
    }

    void hue(float[] x, float shift) {
        if (channels != 3) {
            return;
        }
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
            float r = x[p];
            float g = x[p + plane];
            float b = x[p + 2 * plane];
            // _rgb2hsv
            float maxc = Math.max(r, Math.max(g, b));
            float minc = Math.min(r, Math.min(g, b));
            boolean eqc = maxc == minc;
            float cr = maxc - minc;
            float s = cr / (eqc ? 1f : maxc);
            float div = eqc ? 1f : cr;
            float rc = (maxc - r) / div;
            float gc = (maxc - g) / div;
            float bc = (maxc - b) / div;
            float hh;
            if (maxc == r) {
                hh = bc - gc;
            } else if (maxc == g) {
                hh = 2f + rc - bc;
            } else {
                hh = 4f + gc - rc;
            }
            hh = (hh / 6f + 1f) % 1f;
            // the shift, Python's % (a result in [0, 1))
            hh = (hh + shift) % 1f;
            if (hh < 0f) {
                hh += 1f;
            }
            // _hsv2rgb
            float v = maxc;
            float i = (float) Math.floor(hh * 6f);
            float fr = hh * 6f - i;
            float pp = clamp(v * (1f - s));
            float q = clamp(v * (1f - s * fr));
            float t = clamp(v * (1f - s * (1f - fr)));
            switch (((int) i % 6 + 6) % 6) {
                case 0 -> { r = v; g = t; b = pp; }
                case 1 -> { r = q; g = v; b = pp; }
                case 2 -> { r = pp; g = v; b = t; }
                case 3 -> { r = pp; g = q; b = v; }
                case 4 -> { r = t; g = pp; b = v; }
                default -> { r = v; g = pp; b = q; }
            }
            x[p] = r;
            x[p + plane] = g;
            x[p + 2 * plane] = b;
        }
    }
}
