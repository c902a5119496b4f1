package dev.runner.spec;

/**
 * One image transform of {@code data.augment} (or {@code data.normalize}), with torchvision's semantics. Ranges are
 * {@code [min, max]} pairs, already expanded from a single number the way torchvision expands it.
 */
public sealed interface TransformSpec {
    /** {@code [height, width]} after this transform of a {@code height x width} image. */
    default int[] outputSize(int height, int width) {
        return new int[] {height, width};
    }

    /** Pads every side by {@code size} pixels; mode {@code zero} or {@code reflect}. */
    record Pad(int size, String mode) implements TransformSpec {
        @Override
        public int[] outputSize(int height, int width) {
            return new int[] {height + 2 * size, width + 2 * size};
        }
    }

    /** A random {@code size}x{@code size} crop. */
    record RandomCrop(int size) implements TransformSpec {
        @Override
        public int[] outputSize(int height, int width) {
            return new int[] {size, size};
        }
    }

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

    /**
     * transforms.ColorJitter: each factor range is {@code [min, max]}, or null when that adjustment is off;
     * {@code hue} is a shift in [-0.5, 0.5].
     */
    record ColorJitter(double[] brightness, double[] contrast, double[] saturation, double[] hue)
            implements TransformSpec {}

    /**
     * transforms.RandomResizedCrop: a crop of a random area fraction in {@code scale} and aspect ratio in
     * {@code ratio}, resized to {@code height x width}.
     *
     * @param interpolation {@code bilinear} (antialiased, torchvision's default) or {@code nearest}
     */
    record RandomResizedCrop(int height, int width, double[] scale, double[] ratio, String interpolation)
            implements TransformSpec {
        @Override
        public int[] outputSize(int h, int w) {
            return new int[] {height, width};
        }
    }

    /**
     * transforms.RandomAffine (and RandomRotation, which is an affine map by {@code -angle}): about the image
     * centre, output of the same size, pixels from outside filled with {@code fill}.
     *
     * @param degrees       rotation range; RandomAffine's angle (clockwise on screen), or RandomRotation's
     *                      (counter-clockwise) when {@code rotation}
     * @param translate     null, or the largest shift as fractions {@code [of width, of height]}
     * @param scale         null (1), or the scale range
     * @param shear         null, or {@code [xmin, xmax]} or {@code [xmin, xmax, ymin, ymax]} in degrees
     * @param interpolation {@code nearest} or {@code bilinear}
     * @param fill          per channel (one value: all channels), in pixel values 0..255
     * @param rotation      written as {@code random_rotation}
     */
    record RandomAffine(double[] degrees, double[] translate, double[] scale, double[] shear, String interpolation,
                        double[] fill, boolean rotation) implements TransformSpec {}

    /**
     * transforms.RandomErasing, on the normalised image (torchvision applies it after Normalize): with probability
     * {@code p}, a rectangle of area fraction in {@code scale} and aspect ratio in {@code ratio} is set to
     * {@code value} (per channel, one value for all), or to standard normal noise when {@code value} is null.
     */
    record RandomErasing(double p, double[] scale, double[] ratio, double[] value) implements TransformSpec {}

    /** (x/255 - mean[c]) / std[c], as torchvision's Normalize on ToTensor output. */
    record Normalize(double[] mean, double[] std) implements TransformSpec {}
}
