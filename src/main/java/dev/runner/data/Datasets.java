package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.DataSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Loads the dataset of a {@code data:} section into memory (downloading CIFAR-10 when needed). */
public final class Datasets {
    private Datasets() {}

    /**
     * @param dataRoot from {@link DataRoot#resolve(String)}
     * @param log      one-line progress messages (the download progress bar goes to stderr)
     * @throws UserError with a one-line message when the data is missing, damaged or cannot be downloaded
     */
    public static LoadedData load(DataSpec spec, Path dataRoot, Consumer<String> log) {
        return load(spec, dataRoot, log, CifarBinary.OFFICIAL_RECORDS);
    }

    /** As {@link #load(DataSpec, Path, Consumer)}, CIFAR-10 batch files holding {@code cifarRecords} records each. */
    static LoadedData load(DataSpec spec, Path dataRoot, Consumer<String> log, int cifarRecords) {
        LoadedData d = loadSets(spec, dataRoot, log, cifarRecords);
        if (spec.valSplit() > 0) {
            if (d.val() != null) {
                throw new UserError("data.val_split: the image folder has its own val/ folder; drop val_split or"
                        + " the folder");
            }
            ValidationSplit.Sets s = ValidationSplit.split(d.train(), spec.valSplit(), spec.valSeed());
            if (log != null) {
                log.accept("validation: " + s.val().size() + " of the " + d.train().size() + " training images held"
                        + " out (val_split " + spec.valSplit() + ", val_seed " + spec.valSeed() + ")");
            }
            return d.withSplit(s.train(), s.val());
        }
        return d;
    }

    private static LoadedData loadSets(DataSpec spec, Path dataRoot, Consumer<String> log, int cifarRecords) {
        if (spec == null || spec.dataset() == null) {
            throw new UserError("no data.dataset given");
        }
        Consumer<String> out = log == null ? s -> { } : log;
        if (spec.dataset() instanceof DataSpec.Cifar10 c) {
            String url = c.url() == null || c.url().isBlank() ? DataSpec.Cifar10.DEFAULT_URL : c.url();
            String md5 = c.url() == null || c.url().isBlank()
                    ? (c.md5() == null ? DataSpec.Cifar10.DEFAULT_MD5 : c.md5()) : c.md5();
            Path dir = CifarDownload.ensure(dataRoot, url, md5, out);
            LoadedData d = CifarBinary.read(dir, cifarRecords);
            out.accept("CIFAR-10: " + d.train().size() + " train / " + d.test().size() + " test images from " + dir);
            return d;
        }
        if (spec.dataset() instanceof DataSpec.ImageFolder f) {
            if (f.path() == null) {
                throw new UserError("data.dataset.imagefolder needs a path");
            }
            // the spec has made a relative path absolute, from the folder of the file that says it
            return ImageFolderLoader.load(f.path(), f.resize(), out);
        }
        throw new UserError("unsupported dataset " + spec.dataset());
    }
}
