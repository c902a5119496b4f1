package dev.runner.data;

import dev.runner.spec.DataSpec;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Epoch iterators over an {@link ImageSet}: {@link #train} (shuffled, augmented, normalised) and {@link #eval}
 * (in order, normalised). Features are float32 {@code [b, c, h, w]} (NCHW) or {@code [b, h, w, c]} (NHWC), labels
 * one-hot {@code [b, classes]}; the last partial training batch is kept unless {@code drop_last} (evaluation keeps
 * every image).
 *
 * <p>Randomness: the shuffle of epoch e uses a generator seeded from (seed, e); the augmentation of image i in
 * epoch e a generator seeded from (seed, e, i). Batches therefore depend only on (seed, epoch), never on the
 * number of threads.
 */
public final class Batches {
    /** Worker threads per iterator unless told otherwise. */
    public static final int DEFAULT_WORKERS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    /** Batches assembled ahead of the consumer per iterator. */
    public static final int DEFAULT_PREFETCH = 4;

    private Batches() {}

    /** The training batches of epoch {@code epoch} (any int; the trainer's numbering), shuffled if the spec says so. */
    public static EpochIterator train(ImageSet set, DataSpec spec, long seed, int epoch, String layout) {
        return train(set, spec, seed, epoch, layout, DEFAULT_WORKERS);
    }

    /** As {@link #train(ImageSet, DataSpec, long, int, String)} with an explicit number of worker threads. */
    public static EpochIterator train(ImageSet set, DataSpec spec, long seed, int epoch, String layout, int workers) {
        Augmenter aug = Augmenter.training(spec.augment(), spec.normalize(), set.channels(), set.height(),
                set.width(), seed, epoch);
        int[] order = spec.shuffle() ? permutation(set.size(), mix(mix(seed, epoch), 0x5EEDL)) : identity(set.size());
        long rngBase = mix(mix(seed, epoch), 0xA06L);
        return new EpochIterator(set, aug, order, rngBase, !aug.isIdentity(), spec.batchSize(), spec.dropLast(),
                layout, workers, Math.max(DEFAULT_PREFETCH, 2 * workers), "train");
    }

    /** The evaluation batches: every image once, in order, normalised only. */
    public static EpochIterator eval(ImageSet set, DataSpec spec, int batchSize, String layout) {
        return eval(set, spec, batchSize, layout, DEFAULT_WORKERS);
    }

    /** As {@link #eval(ImageSet, DataSpec, int, String)} with an explicit number of worker threads. */
    public static EpochIterator eval(ImageSet set, DataSpec spec, int batchSize, String layout, int workers) {
        Augmenter aug = Augmenter.evaluation(spec.normalize(), set.channels(), set.height(), set.width());
        return new EpochIterator(set, aug, identity(set.size()), 0L, false, batchSize, false, layout, workers,
                Math.max(DEFAULT_PREFETCH, 2 * workers), "eval");
    }

    static boolean isNhwc(String layout) {
        String l = layout == null ? "NCHW" : layout.toUpperCase(Locale.ROOT);
        return switch (l) {
            case "NCHW" -> false;
            case "NHWC" -> true;
            default -> throw new IllegalArgumentException("layout must be NCHW or NHWC, got " + layout);
        };
    }

    static int[] identity(int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    /** Fisher-Yates with a generator seeded from {@code seed}. */
    static int[] permutation(int n, long seed) {
        int[] o = identity(n);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    /** Combines two values into a well-mixed 64-bit seed (SplitMix64 finaliser). */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
