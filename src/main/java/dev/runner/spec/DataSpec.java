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
    public sealed interface DatasetSpec permits Cifar10, Cifar100, Mnist, FashionMnist, ImageFolder {
        /** {@code [channels, height, width]} of the stored images; height and width are 0 when only the files say. */
        int[] imageShape();
    }

    /** The official CIFAR-10 binary layout under the data root; downloaded from {@code url} when missing. */
    public record Cifar10(String url, String md5) implements DatasetSpec {
        public static final String DEFAULT_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
        public static final String DEFAULT_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";

        @Override
        public int[] imageShape() {
            return new int[] {3, 32, 32};
        }
    }

    /**
     * The official CIFAR-100 binary layout under the data root; downloaded from {@code url} when missing.
     *
     * @param labels {@code fine} (100 classes) or {@code coarse} (20 superclasses)
     */
    public record Cifar100(String url, String md5, String labels) implements DatasetSpec {
        public static final String DEFAULT_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";
        public static final String DEFAULT_MD5 = "03b5dce01913d631647c71ecec9e9cb8";
        public static final List<String> LABELS = List.of("fine", "coarse");

        @Override
        public int[] imageShape() {
            return new int[] {3, 32, 32};
        }
    }

    /** MNIST's four official IDX files, downloaded from the folder {@code url} when missing. */
    public record Mnist(String url) implements DatasetSpec {
        /** torchvision's first mirror: the original site at yann.lecun.com no longer serves the files freely. */
        public static final String DEFAULT_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/";

        @Override
        public int[] imageShape() {
            return new int[] {1, 28, 28};
        }
    }

    /** Fashion-MNIST's four official IDX files, downloaded from the folder {@code url} when missing. */
    public record FashionMnist(String url) implements DatasetSpec {
        public static final String DEFAULT_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

        @Override
        public int[] imageShape() {
            return new int[] {1, 28, 28};
        }
    }

    /**
     * {@code path/train/<class>/*.png|jpg}, {@code path/test/<class>/*} and optionally {@code path/val/<class>/*}
     * (the validation set); resize null = must already fit.
     *
     * @param channels 3 (RGB, as PIL's {@code convert("RGB")}) or 1 (grey, as {@code convert("L")})
     */
    public record ImageFolder(Path path, int[] resize, int channels) implements DatasetSpec {
        public ImageFolder(Path path, int[] resize) {
            this(path, resize, 3);
        }

        @Override
        public int[] imageShape() {
            return resize == null ? new int[] {channels, 0, 0} : new int[] {channels, resize[0], resize[1]};
        }
    }
}
