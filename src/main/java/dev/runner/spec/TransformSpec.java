package dev.runner.spec;

/** One image transform of {@code data.augment} (or {@code data.normalize}). */
public sealed interface TransformSpec {
    /** Pads every side by {@code size} pixels; mode {@code zero} or {@code reflect}. */
    record Pad(int size, String mode) implements TransformSpec {}

    /** A random {@code size}x{@code size} crop. */
    record RandomCrop(int size) implements TransformSpec {}

    /**
     * Mirrors left-right with probability {@code p}; {@code alternate}: the flip is drawn once per image and inverted
     * in every odd epoch (0-based).
     */
    record HorizontalFlip(double p, boolean alternate) implements TransformSpec {
        public HorizontalFlip(double p) {
            this(p, false);
        }
    }

    /** Zeroes a random {@code size}x{@code size} square (centre anywhere in the image, clipped at edges). */
    record Cutout(int size) implements TransformSpec {}

    /** (x/255 - mean[c]) / std[c], as torchvision's Normalize on ToTensor output. */
    record Normalize(double[] mean, double[] std) implements TransformSpec {}
}
