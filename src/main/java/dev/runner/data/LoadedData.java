package dev.runner.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A dataset in memory.
 *
 * @param classes class names, index = label (from {@code batches.meta.txt} or the sorted folder names)
 * @param files   the data files that were read, in a fixed order (for provenance checksums)
 * @param val     the validation set (an image folder's {@code val/}, or {@code data.val_split} of the training set
 *                held out), or null
 */
public record LoadedData(ImageSet train, ImageSet test, List<String> classes, List<Path> files, ImageSet val) {
    public LoadedData {
        classes = List.copyOf(classes);
        files = List.copyOf(files);
    }

    /** Without a validation set. */
    public LoadedData(ImageSet train, ImageSet test, List<String> classes, List<Path> files) {
        this(train, test, classes, files, null);
    }

    /** The same data with {@code train} and {@code val} in place of the training and validation sets. */
    public LoadedData withSplit(ImageSet train, ImageSet val) {
        return new LoadedData(train, test, classes, files, val);
    }
}
