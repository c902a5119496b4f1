package dev.runner.spec;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code data:} section.
 *
 * @param augment   random training transforms, applied in the order written, before {@code normalize}
 * @param normalize applied to train and test images last; null means images scaled to 0..1 only
 * @param valSplit  the fraction of each class of the training set held out as the validation set (0 = none)
 * @param valSeed   which images are held out: the same seed holds out the same images
 * @param dropLast  leave out the last partial training batch
 */
public record DataSpec(
        DatasetSpec dataset,
        int batchSize,
        int testBatchSize,
        boolean shuffle,
        List<TransformSpec> augment,
        TransformSpec.Normalize normalize,
        double valSplit,
        long valSeed,
        boolean dropLast) {

    /** Without a held-out validation split. */
    public DataSpec(DatasetSpec dataset, int batchSize, int testBatchSize, boolean shuffle, List<TransformSpec> augment,
                    TransformSpec.Normalize normalize) {
        this(dataset, batchSize, testBatchSize, shuffle, augment, normalize, 0, 0);
    }

    /** Every training batch kept. */
    public DataSpec(DatasetSpec dataset, int batchSize, int testBatchSize, boolean shuffle, List<TransformSpec> augment,
                    TransformSpec.Normalize normalize, double valSplit, long valSeed) {
        this(dataset, batchSize, testBatchSize, shuffle, augment, normalize, valSplit, valSeed, false);
    }

    /** Training batches per epoch over {@code images} images (0 when drop_last leaves none). */
    public int batchesPerEpoch(int images) {
        return dropLast ? images / batchSize : (images + batchSize - 1) / batchSize;
    }

    /** Where images come from. */
    public sealed interface DatasetSpec permits Cifar10, ImageFolder {}

    /** The official CIFAR-10 binary layout under the data root; downloaded from {@code url} when missing. */
    public record Cifar10(String url, String md5) implements DatasetSpec {
        public static final String DEFAULT_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
        public static final String DEFAULT_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    }

    /**
     * {@code path/train/<class>/*.png|jpg}, {@code path/test/<class>/*} and optionally {@code path/val/<class>/*}
     * (the validation set); resize null = must already fit.
     */
    public record ImageFolder(Path path, int[] resize) implements DatasetSpec {}
}
