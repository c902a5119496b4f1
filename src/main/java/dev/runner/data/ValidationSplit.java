package dev.runner.data;

import dev.runner.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code data.val_split}: a fraction of the training set held out as the validation set, per class (stratified:
 * each class keeps its share), the images drawn by {@code val_seed} alone, so every run with the same seed and data
 * holds out the same images whatever the experiment's own seed. Both sets keep the training set's order.
 */
public final class ValidationSplit {
    private ValidationSplit() {}

    /** The training set without the held-out images, and the held-out images. */
    public record Sets(ImageSet train, ImageSet val) {}

    /**
     * Holds out {@code round(fraction * n_c)} of the {@code n_c} images of each class c (at least one of a class
     * with two or more, never all of them).
     */
    public static Sets split(ImageSet set, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
        }
        int classes = set.numClasses();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < set.size(); i++) {
            byClass.get(set.label(i)).add(i);
        }
        boolean[] held = new boolean[set.size()];
        int heldCount = 0;
        for (int c = 0; c < classes; c++) {
            List<Integer> idx = byClass.get(c);
            int n = idx.size();
            int k = (int) Math.round(fraction * n);
            k = Math.min(n - 1, Math.max(n >= 2 ? 1 : 0, k));
            SplittableRandom rnd = new SplittableRandom(Batches.mix(seed, 0x7A1L + c));
            int[] a = idx.stream().mapToInt(Integer::intValue).toArray();
            for (int i = 0; i < k; i++) {   // partial Fisher-Yates: the first k are a uniform sample
                int j = i + rnd.nextInt(n - i);
                int t = a[i];
                a[i] = a[j];
                a[j] = t;
                held[a[i]] = true;
            }
            heldCount += k;
        }
        if (heldCount == 0) {
            throw new UserError("data.val_split " + fraction + " holds out no image of the " + set.size()
                    + "-image training set (each class needs two or more images)");
        }
        return new Sets(subset(set, held, false, set.size() - heldCount), subset(set, held, true, heldCount));
    }

    private static ImageSet subset(ImageSet set, boolean[] held, boolean which, int n) {
        int per = set.imageBytes();
        byte[] px = new byte[n * per];
        int[] labels = new int[n];
        int k = 0;
        for (int i = 0; i < set.size(); i++) {
            if (held[i] == which) {
                System.arraycopy(set.pixels(), i * per, px, k * per, per);
                labels[k++] = set.label(i);
            }
        }
        return new ImageSet(px, labels, set.channels(), set.height(), set.width(), set.classes());
    }
}
