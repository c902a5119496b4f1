package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.TransformSpec;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A run of pad, random crop, flip and cutout, fused into one pass: all four are separable index maps, so every
 * output pixel is read straight from its source pixel (or is zero).
 *
 * <p>Semantics follow torchvision: {@code Pad} (zero or reflect, reflect without repeating the edge),
 * {@code RandomCrop} with offsets uniform in {@code [0, in - size]} (row first, then column),
 * {@code RandomHorizontalFlip(p)}, cutout as a size x size square centred uniformly in the image and clipped at
 * the edges. Random draws per image, in the order the transforms are written: crop row offset, crop column offset
 * ({@code nextInt}), flip ({@code nextDouble() < p}), cutout centre row, centre column ({@code nextInt}).
 * An alternating flip draws nothing from the image's generator: its flip is {@code nextDouble() < p} of a generator
 * seeded from (the run's seed, the image) alone, the same in every epoch, inverted in odd epochs (0-based), as
 * airbench's "alternating flip" (arXiv 2404.00498).
 *
 * <p>From bytes, each value goes through a 256-entry table per channel (ToTensor, and Normalize when this run is
 * the whole pipeline); from floats (after a resampling or colour transform), values are copied. Pixels zeroed by
 * padding or cutout take the table's value of byte 0, or 0 from floats.
 */
final class IndexMap {
    private static final int PAD_ZERO = 0;
    private static final int PAD_REFLECT = 1;
    private static final int CROP = 2;
    private static final int FLIP = 3;
    private static final int CUTOUT = 4;
    private static final int FLIP_ALTERNATE = 5;

    private final int[] kind;
    private final int[] arg;        // pad/crop/cutout size
    private final double[] prob;    // flip probability
    private final int[] stageH;     // stageH[k] = height before step k; stageH[steps] = output height
    private final int[] stageW;
    private final int cutouts;
    final int channels;
    final int inH;
    final int inW;
    final int outH;
    final int outW;
    /** For an alternating flip: the generator seed of image i's flip is mix(flipSeed, i); odd epochs invert it. */
    private final long flipSeed;
    private final boolean oddEpoch;

    /** True for the transforms this class fuses. */
    static boolean handles(TransformSpec t) {
        return t instanceof TransformSpec.Pad || t instanceof TransformSpec.RandomCrop
                || t instanceof TransformSpec.HorizontalFlip || t instanceof TransformSpec.Cutout;
    }

    /** @param first the index of {@code steps.get(0)} in {@code data.augment}, for messages */
    IndexMap(List<TransformSpec> steps, int first, int channels, int h, int w) {
        this(steps, first, channels, h, w, 0, 0);
    }

    /** For epoch {@code epoch} (0-based) of a run seeded {@code seed} (an alternating flip's draw and parity). */
    IndexMap(List<TransformSpec> steps, int first, int channels, int h, int w, long seed, int epoch) {
        flipSeed = Batches.mix(seed, 0xF11FL);
        oddEpoch = Math.floorMod(epoch, 2) == 1;
        int n = steps.size();
        kind = new int[n];
        arg = new int[n];
        prob = new double[n];
        stageH = new int[n + 1];
        stageW = new int[n + 1];
        this.channels = channels;
        inH = h;
        inW = w;
        stageH[0] = h;
        stageW[0] = w;
        int cut = 0;
        for (int k = 0; k < n; k++) {
            TransformSpec t = steps.get(k);
            int ch = stageH[k];
            int cw = stageW[k];
            String where = "data.augment[" + (first + k) + "]";
            if (t instanceof TransformSpec.Pad p) {
                String mode = p.mode() == null ? "zero" : p.mode().toLowerCase(Locale.ROOT);
                if (p.size() < 0) {
                    throw new UserError(where + ": pad size must be >= 0, got " + p.size());
                }
                if (mode.equals("zero") || mode.equals("constant")) {
                    kind[k] = PAD_ZERO;
                } else if (mode.equals("reflect")) {
                    kind[k] = PAD_REFLECT;
                    if (p.size() >= ch || p.size() >= cw) {
                        throw new UserError(where + ": reflect padding " + p.size()
                                + " must be smaller than the " + ch + "x" + cw + " image");
                    }
                } else {
                    throw new UserError(where + ": pad mode must be zero or reflect, got '" + p.mode() + "'");
                }
                arg[k] = p.size();
                stageH[k + 1] = ch + 2 * p.size();
                stageW[k + 1] = cw + 2 * p.size();
            } else if (t instanceof TransformSpec.RandomCrop c) {
                if (c.size() <= 0 || c.size() > ch || c.size() > cw) {
                    throw new UserError(where + ": random_crop size " + c.size() + " does not fit the " + ch + "x"
                            + cw + " image at that point (pad first, or use a smaller size)");
                }
                kind[k] = CROP;
                arg[k] = c.size();
                stageH[k + 1] = c.size();
                stageW[k + 1] = c.size();
            } else if (t instanceof TransformSpec.HorizontalFlip f) {
                if (!(f.p() >= 0 && f.p() <= 1)) {
                    throw new UserError(where + ": horizontal_flip p must be in [0, 1], got " + f.p());
                }
                kind[k] = f.alternate() ? FLIP_ALTERNATE : FLIP;
                prob[k] = f.p();
                stageH[k + 1] = ch;
                stageW[k + 1] = cw;
            } else if (t instanceof TransformSpec.Cutout c) {
                if (c.size() <= 0) {
                    throw new UserError(where + ": cutout size must be > 0, got " + c.size());
                }
                kind[k] = CUTOUT;
                arg[k] = c.size();
                stageH[k + 1] = ch;
                stageW[k + 1] = cw;
                cut++;
            } else {
                throw new IllegalArgumentException("not an index map: " + t);
            }
        }
        cutouts = cut;
        outH = stageH[n];
        outW = stageW[n];
    }

    boolean isIdentity() {
        return kind.length == 0;
    }

    /** Per-thread working memory. */
    final class Scratch {
        final int[] params = new int[2 * kind.length];
        final int[] srcY = new int[outH];
        final int[] srcX = new int[outW];
        final boolean[][] rowMask = new boolean[cutouts][outH];
        final boolean[][] colMask = new boolean[cutouts][outW];
        /** The index of the image being mapped (an alternating flip's draw). */
        int image;
    }

    /** Whether image {@code image}'s alternating flip with probability {@code p} mirrors it in this epoch. */
    boolean alternateFlip(int image, double p) {
        return (new SplittableRandom(Batches.mix(flipSeed, image)).nextDouble() < p) != oddEpoch;
    }

    Scratch newScratch() {
        return new Scratch();
    }

    /**
     * Bytes (CHW, inH x inW) at {@code src[srcOff ..]} through {@code lut} into {@code dst} as floats, CHW or (with
     * {@code nhwc}) HWC.
     */
    void apply(byte[] src, int srcOff, float[][] lut, SplittableRandom rng, float[] dst, int dstOff, boolean nhwc,
               Scratch s) {
        map(rng, s);
        if (nhwc) {
            writeHwc(src, srcOff, lut, dst, dstOff, s.srcY, s.srcX);
        } else {
            writeChw(src, srcOff, lut, dst, dstOff, s.srcY, s.srcX);
        }
        for (int j = 0; j < cutouts; j++) {
            zeroMasked(dst, dstOff, s.rowMask[j], s.colMask[j], nhwc, lut);
        }
    }

    /** Floats (CHW, inH x inW) into {@code dst} (CHW, outH x outW). */
    void apply(float[] src, SplittableRandom rng, float[] dst, Scratch s) {
        map(rng, s);
        int[] sy = s.srcY;
        int[] sx = s.srcX;
        int plane = inH * inW;
        int o = 0;
        for (int c = 0; c < channels; c++) {
            int base = c * plane;
            for (int y = 0; y < outH; y++) {
                int r = sy[y];
                if (r < 0) {
                    Arrays.fill(dst, o, o + outW, 0f);
                    o += outW;
                    continue;
                }
                int row = base + r * inW;
                for (int x = 0; x < outW; x++) {
                    int q = sx[x];
                    dst[o++] = q < 0 ? 0f : src[row + q];
                }
            }
        }
        for (int j = 0; j < cutouts; j++) {
            zeroMasked(dst, 0, s.rowMask[j], s.colMask[j], false, null);
        }
    }

    /** Draws the parameters and maps every output row and column to its source (-1 = zero). */
    private void map(SplittableRandom rng, Scratch s) {
        int n = kind.length;
        int[] params = s.params;
        // forward: draw the random parameters in the order the transforms are written
        for (int k = 0; k < n; k++) {
            switch (kind[k]) {
                case CROP -> {
                    params[2 * k] = rng.nextInt(stageH[k] - arg[k] + 1);
                    params[2 * k + 1] = rng.nextInt(stageW[k] - arg[k] + 1);
                }
                case FLIP -> params[2 * k] = rng.nextDouble() < prob[k] ? 1 : 0;
                case FLIP_ALTERNATE -> params[2 * k] = alternateFlip(s.image, prob[k]) ? 1 : 0;
                case CUTOUT -> {
                    params[2 * k] = rng.nextInt(stageH[k]);
                    params[2 * k + 1] = rng.nextInt(stageW[k]);
                }
                default -> { }
            }
        }
        // backward: map every output row / column to its source row / column (-1 = zero)
        int[] sy = s.srcY;
        int[] sx = s.srcX;
        for (int y = 0; y < outH; y++) {
            sy[y] = y;
        }
        for (int x = 0; x < outW; x++) {
            sx[x] = x;
        }
        int cut = cutouts;
        for (int k = n - 1; k >= 0; k--) {
            int h = stageH[k];
            int w = stageW[k];
            switch (kind[k]) {
                case PAD_ZERO -> {
                    padZero(sy, arg[k], h);
                    padZero(sx, arg[k], w);
                }
                case PAD_REFLECT -> {
                    padReflect(sy, arg[k], h);
                    padReflect(sx, arg[k], w);
                }
                case CROP -> {
                    shift(sy, params[2 * k]);
                    shift(sx, params[2 * k + 1]);
                }
                case FLIP, FLIP_ALTERNATE -> {
                    if (params[2 * k] == 1) {
                        for (int x = 0; x < sx.length; x++) {
                            if (sx[x] >= 0) {
                                sx[x] = w - 1 - sx[x];
                            }
                        }
                    }
                }
                case CUTOUT -> {
                    cut--;
                    int size = arg[k];
                    int y0 = params[2 * k] - size / 2;
                    int x0 = params[2 * k + 1] - size / 2;
                    mask(s.rowMask[cut], sy, Math.max(0, y0), Math.min(h, y0 + size));
                    mask(s.colMask[cut], sx, Math.max(0, x0), Math.min(w, x0 + size));
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    private static void padZero(int[] idx, int pad, int size) {
        for (int i = 0; i < idx.length; i++) {
            int v = idx[i];
            if (v >= 0) {
                v -= pad;
                idx[i] = v < 0 || v >= size ? -1 : v;
            }
        }
    }

    private static void padReflect(int[] idx, int pad, int size) {
        for (int i = 0; i < idx.length; i++) {
            int v = idx[i];
            if (v >= 0) {
                v -= pad;
                if (v < 0) {
                    v = -v;
                } else if (v >= size) {
                    v = 2 * (size - 1) - v;
                }
                idx[i] = v;
            }
        }
    }

    private static void shift(int[] idx, int offset) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] >= 0) {
                idx[i] += offset;
            }
        }
    }

    private static void mask(boolean[] m, int[] idx, int from, int to) {
        for (int i = 0; i < idx.length; i++) {
            int v = idx[i];
            m[i] = v >= from && v < to;
        }
    }

    private void writeChw(byte[] src, int srcOff, float[][] lut, float[] dst, int dstOff, int[] sy, int[] sx) {
        int plane = inH * inW;
        int o = dstOff;
        for (int c = 0; c < channels; c++) {
            float[] l = lut[c];
            float zero = l[0];
            int base = srcOff + c * plane;
            for (int y = 0; y < outH; y++) {
                int r = sy[y];
                if (r < 0) {
                    Arrays.fill(dst, o, o + outW, zero);
                    o += outW;
                    continue;
                }
                int row = base + r * inW;
                for (int x = 0; x < outW; x++) {
                    int q = sx[x];
                    dst[o++] = q < 0 ? zero : l[src[row + q] & 0xFF];
                }
            }
        }
    }

    private void writeHwc(byte[] src, int srcOff, float[][] lut, float[] dst, int dstOff, int[] sy, int[] sx) {
        int plane = inH * inW;
        int ch = channels;
        if (ch == 3) {
            float[] l0 = lut[0];
            float[] l1 = lut[1];
            float[] l2 = lut[2];
            int o = dstOff;
            for (int y = 0; y < outH; y++) {
                int r = sy[y];
                if (r < 0) {
                    for (int x = 0; x < outW; x++) {
                        dst[o++] = l0[0];
                        dst[o++] = l1[0];
                        dst[o++] = l2[0];
                    }
                    continue;
                }
                int row = srcOff + r * inW;
                for (int x = 0; x < outW; x++) {
                    int q = sx[x];
                    if (q < 0) {
                        dst[o++] = l0[0];
                        dst[o++] = l1[0];
                        dst[o++] = l2[0];
                    } else {
                        int p = row + q;
                        dst[o++] = l0[src[p] & 0xFF];
                        dst[o++] = l1[src[p + plane] & 0xFF];
                        dst[o++] = l2[src[p + 2 * plane] & 0xFF];
                    }
                }
            }
            return;
        }
        for (int y = 0; y < outH; y++) {
            int r = sy[y];
            for (int x = 0; x < outW; x++) {
                int q = sx[x];
                int o = dstOff + (y * outW + x) * ch;
                for (int c = 0; c < ch; c++) {
                    dst[o + c] = r < 0 || q < 0 ? lut[c][0] : lut[c][src[srcOff + c * plane + r * inW + q] & 0xFF];
                }
            }
        }
    }

    /** Sets the masked pixels to byte 0's table value, or to 0 when {@code lut} is null. */
    private void zeroMasked(float[] dst, int dstOff, boolean[] rows, boolean[] cols, boolean nhwc, float[][] lut) {
        int ch = channels;
        for (int y = 0; y < outH; y++) {
            if (!rows[y]) {
                continue;
            }
            for (int x = 0; x < outW; x++) {
                if (!cols[x]) {
                    continue;
                }
                for (int c = 0; c < ch; c++) {
                    int o = nhwc ? dstOff + (y * outW + x) * ch + c : dstOff + (c * outH + y) * outW + x;
                    dst[o] = lut == null ? 0f : lut[c][0];
                }
            }
        }
    }
}
