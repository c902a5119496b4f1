package dev.runner.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A dataset in memory.
 *
 * @param classes class names, index = label (from {@code batches.meta.txt} or the sorted folder names)
 * @param files   the data files that were read, in a fixed order (for provenance checksums)
 */
public record LoadedData(ImageSet train, ImageSet test, List<String> classes, List<Path> files) {
    public LoadedData {
        classes = List.copyOf(classes);
        files = List.copyOf(files);
    }
}
