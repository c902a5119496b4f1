package dev.runner.data;

import java.util.List;
import java.util.Objects;

/**
 * n images held as raw bytes: image i occupies {@code pixels[i*imageBytes() .. (i+1)*imageBytes())} in CHW order
 * (all of channel 0 row by row, then channel 1, ...), values 0..255 as unsigned bytes. Labels are class indices.
 * There is never a float copy of the whole set: batches are converted on the fly (see {@link Batches}).
 */
public final class ImageSet {
    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> classes;

    /**
     * @param pixels  n * channels * height * width bytes, CHW per image; kept, not copied
     * @param labels  n labels in 0..classes.size()-1; kept, not copied
     */
    public ImageSet(byte[] pixels, int[] labels, int channels, int height, int width, List<String> classes) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("bad image shape " + channels + "x" + height + "x" + width);
        }
        long imageBytes = (long) channels * height * width;
        if ((long) labels.length * imageBytes != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes for " + labels.length + " images of "
                    + imageBytes + " bytes");
        }
        this.classes = List.copyOf(classes);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= this.classes.size()) {
                throw new IllegalArgumentException("image " + i + " has label " + labels[i] + ", classes: "
                        + this.classes.size());
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Bytes per image: channels * height * width. */
    public int imageBytes() {
        return channels * height * width;
    }

    /** The backing array (not a copy; do not modify). */
    public byte[] pixels() {
        return pixels;
    }

    /** The backing label array (not a copy; do not modify). */
    public int[] labels() {
        return labels;
    }

    public int label(int image) {
        return labels[image];
    }

    /** Pixel value 0..255 of image {@code image}, channel {@code c}, row {@code y}, column {@code x}. */
    public int pixel(int image, int c, int y, int x) {
        return pixels[image * imageBytes() + (c * height + y) * width + x] & 0xFF;
    }

    public List<String> classes() {
        return classes;
    }

    public int numClasses() {
        return classes.size();
    }

    @Override
    public String toString() {
        return "ImageSet[" + size() + " images " + channels + "x" + height + "x" + width + ", " + classes.size()
                + " classes]";
    }
}
