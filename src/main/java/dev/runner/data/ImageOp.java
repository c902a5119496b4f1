package dev.runner.data;

import java.util.SplittableRandom;

/**
 * One training transform on a float image, CHW, values in [0, 1] (ToTensor's scale), drawing its random
 * parameters from the image's generator. Immutable and thread-safe; working memory is passed in.
 */
interface ImageOp {
    int outH();

    int outW();

    /** Floats of working memory {@link #apply} needs. */
    default int workFloats() {
        return 0;
    }

    /**
     * Transforms {@code src} (channels x in height x in width) into {@code dst} (channels x {@link #outH()} x
     * {@link #outW()}); {@code dst} is never {@code src}.
     */
    void apply(float[] src, SplittableRandom rng, float[] dst, float[] work);
}
