package dev.runner.model.onednn;

import java.nio.FloatBuffer;

/**
 * Dropout masks from the experiment's seed: the mask of a layer at an iteration depends on (seed, layer name,
 * iteration count) only, never on what ran before in the process, so runs are reproducible and a resumed run
 * draws the masks it would have drawn. Both engines use it (the same masks: the oneDNN step and DL4J's layers
 * compute the same numbers), element by element in PyTorch's logical order (N, C, H, W; or N, F).
 *
 * <p>A kept element is {@code 1/(1-p)} (inverted dropout, as PyTorch: nothing to scale at evaluation), a dropped
 * one 0. Each element's uniform draw is 24 bits of a SplitMix64 hash of its index, keyed by the stream.
 */
public final class DropoutMask {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private DropoutMask() {}

    /** The key of the mask stream of {@code layer} at {@code iteration}. */
    public static long key(long seed, String layer, long iteration) {
        long k = mix(seed ^ 0x5DEECE66DL);
        k = mix(k + layer.hashCode() * GOLDEN);
        return mix(k + iteration * GOLDEN);
    }

    /** Fills {@code out[0, n)} with the mask of stream {@code key} for drop probability {@code p}. */
    public static void fill(FloatBuffer out, long n, long key, double p) {
        int threshold = (int) Math.round(p * (1 << 24));
        float scale = (float) (1.0 / (1.0 - p));
        long pairs = n / 2;
        for (long j = 0; j < pairs; j++) {
            long h = mix(key + j * GOLDEN);
            int i = (int) (2 * j);
            out.put(i, ((int) h >>> 8) >= threshold ? scale : 0f);
            out.put(i + 1, ((int) (h >>> 32) >>> 8) >= threshold ? scale : 0f);
        }
        if ((n & 1) != 0) {
            long h = mix(key + pairs * GOLDEN);
            out.put((int) (n - 1), ((int) h >>> 8) >= threshold ? scale : 0f);
        }
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
