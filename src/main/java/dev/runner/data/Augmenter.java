package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.TransformSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training transforms of one experiment, in the order written, then {@code normalize}, one image at a time.
 * Runs of pad, random crop, flip and cutout are fused into one {@link IndexMap}; a pipeline of only those writes
 * each image straight from its source bytes into the batch through a 256-entry table per channel that applies
 * ToTensor + Normalize. Colour jitter, random resized crop and random affine / rotation ({@link ImageOp}s) work on
 * float images in [0, 1] between two per-thread buffers, normalised into the batch at the end; random erasing
 * ({@link ErasingOp}) then works on the normalised image, as torchvision's placed after Normalize.
 *
 * <p>Normalize in float32, as ToTensor + Normalize: {@code (v/255f - mean) / std}. Pixels zeroed by padding or
 * cutout are byte 0 before normalisation, i.e. {@code -mean/std} after. Each transform draws its random numbers
 * from the image's generator in the order written (see each transform's class). Instances are immutable and
 * thread-safe; per-thread state lives in {@link Scratch}.
 */
final class Augmenter {
    private final Object[] stages;       // IndexMap or ImageOp, in order
    private final ErasingOp[] erasings;  // on the normalised output
    private final boolean fused;         // stages is one IndexMap: bytes straight into the batch
    final int channels;
    final int inH;
    final int inW;
    final int outH;
    final int outW;
    private final int bufferFloats;
    private final int workFloats;
    private final float[][] lut;
    private final float[][] toTensor;
    private final float[] mean;
    private final float[] std;

    private Augmenter(List<TransformSpec> steps, TransformSpec.Normalize normalize, int channels, int h, int w,
                      long seed, int epoch) {
        this.channels = channels;
        inH = h;
        inW = w;
        lut = lookupTables(normalize, channels);
        toTensor = lookupTables(null, channels);
        mean = new float[channels];
        std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = normalize == null ? 0f : (float) normalize.mean()[normalize.mean().length == 1 ? 0 : c];
            std[c] = normalize == null ? 1f : (float) normalize.std()[normalize.std().length == 1 ? 0 : c];
        }
        List<Object> out = new ArrayList<>();
        List<ErasingOp> erase = new ArrayList<>();
        int ch = h;
        int cw = w;
        int floats = channels * h * w;
        int work = 0;
        for (int i = 0; i < steps.size(); ) {
            TransformSpec t = steps.get(i);
            String where = "data.augment[" + i + "]";
            if (!erase.isEmpty() && !(t instanceof TransformSpec.RandomErasing)) {
                throw new UserError(where + ": random_erasing works on the normalised image: put it last");
            }
            if (IndexMap.handles(t)) {
                int j = i;
                while (j < steps.size() && IndexMap.handles(steps.get(j))) {
                    j++;
                }
                IndexMap m = new IndexMap(steps.subList(i, j), i, channels, ch, cw, seed, epoch);
                out.add(m);
                ch = m.outH;
                cw = m.outW;
                i = j;
            } else {
                ImageOp op;
                if (t instanceof TransformSpec.ColorJitter c) {
                    op = new ColorJitterOp(c, channels, ch, cw);
                } else if (t instanceof TransformSpec.RandomResizedCrop c) {
                    if (c.height() <= 0 || c.width() <= 0) {
                        throw new UserError(where + ": random_resized_crop size must be > 0");
                    }
                    op = new ResizedCropOp(c, channels, ch, cw);
                } else if (t instanceof TransformSpec.RandomAffine a) {
                    op = new AffineOp(a, channels, ch, cw);
                } else if (t instanceof TransformSpec.RandomErasing e) {
                    erase.add(new ErasingOp(e, channels, ch, cw));
                    i++;
                    continue;
                } else if (t instanceof TransformSpec.Normalize) {
                    throw new UserError(where + ": normalize belongs in data.normalize, not in data.augment");
                } else {
                    throw new UserError(where + ": unsupported transform " + t);
                }
                out.add(op);
                work = Math.max(work, op.workFloats());
                ch = op.outH();
                cw = op.outW();
                i++;
            }
            floats = Math.max(floats, channels * ch * cw);
        }
        fused = out.isEmpty() || out.size() == 1 && out.get(0) instanceof IndexMap;
        if (out.isEmpty()) {
            out.add(new IndexMap(List.of(), 0, channels, h, w));
        }
        stages = out.toArray();
        erasings = erase.toArray(new ErasingOp[0]);
        outH = ch;
        outW = cw;
        bufferFloats = floats;
        workFloats = work;
    }

    /** Training transforms followed by normalize (for epoch 0 of seed 0: no alternating flip inverted). */
    static Augmenter training(List<TransformSpec> augment, TransformSpec.Normalize normalize, int c, int h, int w) {
        return training(augment, normalize, c, h, w, 0, 0);
    }

    /** Training transforms followed by normalize, for epoch {@code epoch} (0-based) of a run seeded {@code seed}. */
    static Augmenter training(List<TransformSpec> augment, TransformSpec.Normalize normalize, int c, int h, int w,
                              long seed, int epoch) {
        return new Augmenter(augment == null ? List.of() : augment, normalize, c, h, w, seed, epoch);
    }

    /** Normalize only (evaluation). */
    static Augmenter evaluation(TransformSpec.Normalize normalize, int c, int h, int w) {
        return new Augmenter(List.of(), normalize, c, h, w, 0, 0);
    }

    /** True when no transform draws random numbers or moves pixels. */
    boolean isIdentity() {
        return fused && ((IndexMap) stages[0]).isIdentity() && erasings.length == 0;
    }

    int outputFloats() {
        return channels * outH * outW;
    }

    /** {@code lut[c][v]} = (v/255f - mean[c]) / std[c] in float32 arithmetic, as ToTensor + Normalize. */
    static float[][] lookupTables(TransformSpec.Normalize normalize, int channels) {
        float[][] lut = new float[channels][256];
        double[] mean = null;
        double[] std = null;
        if (normalize != null) {
            mean = normalize.mean();
            std = normalize.std();
            if (mean == null || std == null || (mean.length != channels && mean.length != 1)
                    || (std.length != channels && std.length != 1)) {
                throw new UserError("data.normalize: mean and std need " + channels + " values (one per channel), got "
                        + (mean == null ? 0 : mean.length) + " and " + (std == null ? 0 : std.length));
            }
            for (double s : std) {
                if (!(s > 0) || Double.isInfinite(s)) {
                    throw new UserError("data.normalize: std values must be > 0, got " + Arrays.toString(std));
                }
            }
        }
        for (int c = 0; c < channels; c++) {
            float m = mean == null ? 0f : (float) mean[mean.length == 1 ? 0 : c];
            float s = std == null ? 1f : (float) std[std.length == 1 ? 0 : c];
            for (int v = 0; v < 256; v++) {
                float x = v / 255f;
                lut[c][v] = normalize == null ? x : (x - m) / s;
            }
        }
        return lut;
    }

    /** Per-thread working memory. */
    final class Scratch {
        final IndexMap.Scratch[] maps = new IndexMap.Scratch[stages.length];
        final float[] a = fused ? null : new float[bufferFloats];
        final float[] b = fused ? null : new float[bufferFloats];
        final float[] work = new float[workFloats];

        Scratch() {
            for (int k = 0; k < stages.length; k++) {
                if (stages[k] instanceof IndexMap m) {
                    maps[k] = m.newScratch();
                }
            }
        }
    }

    Scratch newScratch() {
        return new Scratch();
    }

    /**
     * Transforms one image from {@code src[srcOff ..]} (CHW bytes, inH x inW) into {@code dst} as floats.
     *
     * @param image the image's index in its set (an alternating flip's draw)
     * @param rng  the image's random source (unused for an identity plan)
     * @param nhwc false: write CHW at {@code dst[dstOff ..]}; true: HWC
     */
    void apply(byte[] src, int srcOff, int image, SplittableRandom rng, float[] dst, int dstOff, boolean nhwc,
               Scratch s) {
        for (IndexMap.Scratch m : s.maps) {
            if (m != null) m.image = image;
        }
        if (fused) {
            ((IndexMap) stages[0]).apply(src, srcOff, lut, rng, dst, dstOff, nhwc, s.maps[0]);
        } else {
            float[] cur = s.a;
            float[] next = s.b;
            for (int k = 0; k < stages.length; k++) {
                if (stages[k] instanceof IndexMap m) {
                    if (k == 0) {
                        m.apply(src, srcOff, toTensor, rng, cur, 0, false, s.maps[k]);
                        continue;
                    }
                    m.apply(cur, rng, next, s.maps[k]);
                } else {
                    if (k == 0) {
                        toFloats(src, srcOff, cur);
                    }
                    ((ImageOp) stages[k]).apply(cur, rng, next, s.work);
                }
                float[] t = cur;
                cur = next;
                next = t;
            }
            normalize(cur, dst, dstOff, nhwc);
        }
        for (ErasingOp e : erasings) {
            e.apply(dst, dstOff, nhwc, rng);
        }
    }

    private void toFloats(byte[] src, int srcOff, float[] out) {
        int plane = inH * inW;
        for (int c = 0; c < channels; c++) {
            float[] l = toTensor[c];
            for (int p = 0; p < plane; p++) {
                out[c * plane + p] = l[src[srcOff + c * plane + p] & 0xFF];
            }
        }
    }

    /** {@code (x - mean) / std} of the CHW image {@code x} into {@code dst}, CHW or HWC. */
    private void normalize(float[] x, float[] dst, int dstOff, boolean nhwc) {
        int plane = outH * outW;
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float sd = std[c];
            int base = c * plane;
            if (nhwc) {
                for (int p = 0; p < plane; p++) {
                    dst[dstOff + p * channels + c] = (x[base + p] - m) / sd;
                }
            } else {
                for (int p = 0; p < plane; p++) {
                    dst[dstOff + base + p] = (x[base + p] - m) / sd;
                }
            }
        }
    }
}
