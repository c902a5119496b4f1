package dev.runner.data;

import dev.runner.spec.TransformSpec;

import java.util.SplittableRandom;

/**
 * transforms.RandomAffine and transforms.RandomRotation on a tensor, as torchvision computes them: the inverse
 * matrix of {@code _get_inverse_affine_matrix} about the image centre (RandomRotation's angle enters negated, so
 * a positive angle turns the picture counter-clockwise), each output pixel centre mapped to its source position
 * as {@code affine_grid} + {@code grid_sample(align_corners=False)} do, read by {@code nearest} (round half to
 * even) or {@code bilinear}, with pixels from outside set to {@code fill} — for bilinear through torchvision's
 * sampled mask: {@code out = sample(img) * m + (1 - m) * fill} with {@code m = sample(ones)}.
 *
 * <p>Random draws: angle; then, when given, the x and y translation (each {@code round(uniform(-max, max))}
 * pixels, max = fraction x width or height), the scale, the x shear and the y shear, each one
 * {@code nextDouble()}.
 */
final class AffineOp implements ImageOp {
    private final TransformSpec.RandomAffine spec;
    private final int channels;
    private final int h;
    private final int w;
    private final float[] fill;
    private final boolean bilinear;

    AffineOp(TransformSpec.RandomAffine spec, int channels, int h, int w) {
        this.spec = spec;
        this.channels = channels;
        this.h = h;
        this.w = w;
        this.fill = new float[channels];
        for (int c = 0; c < channels; c++) {
            fill[c] = (float) (spec.fill()[spec.fill().length == 1 ? 0 : c] / 255.0);
        }
        this.bilinear = "bilinear".equals(spec.interpolation());
    }

    @Override
    public int outH() {
        return h;
    }

    @Override
    public int outW() {
        return w;
    }

    private static double uniform(double[] r, int i, SplittableRandom rng) {
        return r[i] + (r[i + 1] - r[i]) * rng.nextDouble();
    }

    @Override
    public void apply(float[] src, SplittableRandom rng, float[] dst, float[] work) {
        double angle = uniform(spec.degrees(), 0, rng);
        double tx = 0;
        double ty = 0;
        if (spec.translate() != null) {
            double maxDx = spec.translate()[0] * w;
            double maxDy = spec.translate()[1] * h;
            tx = Math.rint(-maxDx + 2 * maxDx * rng.nextDouble());
            ty = Math.rint(-maxDy + 2 * maxDy * rng.nextDouble());
        }
        double s = spec.scale() == null ? 1.0 : uniform(spec.scale(), 0, rng);
        double shx = 0;
        double shy = 0;
        if (spec.shear() != null) {
            shx = uniform(spec.shear(), 0, rng);
            if (spec.shear().length == 4) {
                shy = uniform(spec.shear(), 2, rng);
            }
        }
        double[] m = inverseMatrix(spec.rotation() ? -angle : angle, tx, ty, s, shx, shy);
        warp(src, channels, h, w, m, bilinear, fill, dst);
    }

    /**
     * torchvision's {@code _get_inverse_affine_matrix} with the centre at (0, 0) (the tensor path's coordinates,
     * relative to the image centre): {@code [a, b, c, d, e, f]} mapping an output point to its source.
     */
    static double[] inverseMatrix(double angle, double tx, double ty, double scale, double shearX, double shearY) {
        double rot = Math.toRadians(angle);
        double sx = Math.toRadians(shearX);
        double sy = Math.toRadians(shearY);
        double a = Math.cos(rot - sy) / Math.cos(sy);
        double b = -Math.cos(rot - sy) * Math.tan(sx) / Math.cos(sy) - Math.sin(rot);
        double c = Math.sin(rot - sy) / Math.cos(sy);
        double d = -Math.sin(rot - sy) * Math.tan(sx) / Math.cos(sy) + Math.cos(rot);
        double[] m = {d / scale, -b / scale, 0, -c / scale, a / scale, 0};
        m[2] += m[0] * -tx + m[1] * -ty;
        m[5] += m[3] * -tx + m[4] * -ty;
        return m;
    }

    /** Samples {@code src} (CHW, h x w) at the source positions of matrix {@code m} into {@code dst}. */
    static void warp(float[] src, int channels, int h, int w, double[] m, boolean bilinear, float[] fill,
                     float[] dst) {
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            double yc = y + 0.5 - h * 0.5;
            for (int x = 0; x < w; x++) {
                double xc = x + 0.5 - w * 0.5;
                // affine_grid normalises by w/2, grid_sample(align_corners=False) maps back: ((g + 1) w - 1) / 2
                double ix = m[0] * xc + m[1] * yc + m[2] + w * 0.5 - 0.5;
                double iy = m[3] * xc + m[4] * yc + m[5] + h * 0.5 - 0.5;
                int o = y * w + x;
                if (!bilinear) {
                    int sx = (int) Math.rint(ix);
                    int sy = (int) Math.rint(iy);
                    boolean in = sx >= 0 && sx < w && sy >= 0 && sy < h;
                    for (int c = 0; c < channels; c++) {
                        dst[c * plane + o] = in ? src[c * plane + sy * w + sx] : fill[c];
                    }
                    continue;
                }
                int x0 = (int) Math.floor(ix);
                int y0 = (int) Math.floor(iy);
                float fx = (float) (ix - x0);
                float fy = (float) (iy - y0);
                float w00 = (1 - fx) * (1 - fy);
                float w01 = fx * (1 - fy);
                float w10 = (1 - fx) * fy;
                float w11 = fx * fy;
                boolean in00 = x0 >= 0 && x0 < w && y0 >= 0 && y0 < h;
                boolean in01 = x0 + 1 >= 0 && x0 + 1 < w && y0 >= 0 && y0 < h;
                boolean in10 = x0 >= 0 && x0 < w && y0 + 1 >= 0 && y0 + 1 < h;
                boolean in11 = x0 + 1 >= 0 && x0 + 1 < w && y0 + 1 >= 0 && y0 + 1 < h;
                float mask = (in00 ? w00 : 0) + (in01 ? w01 : 0) + (in10 ? w10 : 0) + (in11 ? w11 : 0);
                for (int c = 0; c < channels; c++) {
                    int base = c * plane;
                    float v = (in00 ? w00 * src[base + y0 * w + x0] : 0)
                            + (in01 ? w01 * src[base + y0 * w + x0 + 1] : 0)
                            + (in10 ? w10 * src[base + (y0 + 1) * w + x0] : 0)
                            + (in11 ? w11 * src[base + (y0 + 1) * w + x0 + 1] : 0);
                    dst[base + o] = v * mask + (1 - mask) * fill[c];
                }
            }
        }
    }
}
