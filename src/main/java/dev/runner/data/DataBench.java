package dev.runner.data;

import dev.runner.spec.DataSpec;

/** Throughput of the training input pipeline, for {@code runner bench}'s {@code data_images_per_s}. */
public final class DataBench {
    private DataBench() {}

    /**
     * Augmented training images per second delivered as ready batches of {@code spec.batchSize()} (NCHW), with
     * the default number of worker threads. The first {@code max(5, steps/10)} batches are a warm-up and not
     * timed; epochs are chained when {@code steps} exceeds one epoch.
     *
     * @param steps timed batches (> 0)
     */
    public static double imagesPerSecond(ImageSet train, DataSpec spec, int steps) {
        return imagesPerSecond(train, spec, steps, Batches.DEFAULT_WORKERS, "NCHW");
    }

    /** As {@link #imagesPerSecond(ImageSet, DataSpec, int)} with explicit workers and layout. */
    public static double imagesPerSecond(ImageSet train, DataSpec spec, int steps, int workers, String layout) {
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be > 0, got " + steps);
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException("empty training set");
        }
        int warmup = Math.max(5, steps / 10);
        int epoch = 0;
        EpochIterator it = Batches.train(train, spec, 0, epoch, layout, workers);
        try {
            for (int i = 0; i < warmup; i++) {
                if (!it.hasNext()) {
                    it.close();
                    it = Batches.train(train, spec, 0, ++epoch, layout, workers);
                }
                it.next();
            }
            long images = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                if (!it.hasNext()) {
                    it.close();
                    it = Batches.train(train, spec, 0, ++epoch, layout, workers);
                }
                images += it.next().numExamples();
            }
            long ns = System.nanoTime() - t0;
            return images / (ns / 1e9);
        } finally {
            it.close();
        }
    }
}
