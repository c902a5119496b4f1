package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.DataSpec;

import java.nio.file.Path;
import java.util.function.Consumer;

/** Loads the dataset of a {@code data:} section into memory (downloading a data set known by name when needed). */
public final class Datasets {
    private Datasets() {}

    /**
     * @param dataRoot from {@link DataRoot#resolve(String)}
     * @param log      one-line progress messages (the download progress bar goes to stderr)
     * @throws UserError with a one-line message when the data is missing, damaged or cannot be downloaded
     */
    public static LoadedData load(DataSpec spec, Path dataRoot, Consumer<String> log) {
        return load(spec, dataRoot, log, 0, Download.Limits.DEFAULT);
    }

    /** As {@link #load(DataSpec, Path, Consumer, int, Download.Limits)} within the default download limits. */
    static LoadedData load(DataSpec spec, Path dataRoot, Consumer<String> log, int cifarRecords) {
        return load(spec, dataRoot, log, cifarRecords, Download.Limits.DEFAULT);
    }

    /**
     * As {@link #load(DataSpec, Path, Consumer)} (for tests): {@code cifarRecords} > 0: CIFAR files holding that
     * many records each (tests' tiny files), else the official counts; downloads within {@code limits}.
     */
    static LoadedData load(DataSpec spec, Path dataRoot, Consumer<String> log, int cifarRecords,
                           Download.Limits limits) {
        LoadedData d = loadSets(spec, dataRoot, log, cifarRecords, limits);
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

    private static LoadedData loadSets(DataSpec spec, Path dataRoot, Consumer<String> log, int cifarRecords,
                                       Download.Limits limits) {
        if (spec == null || spec.dataset() == null) {
            throw new UserError("no data.dataset given");
        }
        Consumer<String> out = log == null ? s -> { } : log;
        DataSpec.DatasetSpec ds = spec.dataset();
        if (ds instanceof DataSpec.Cifar10 c) {
            return cifar(CifarBinary.CIFAR10, c.url(), c.md5(), DataSpec.Cifar10.DEFAULT_URL,
                    DataSpec.Cifar10.DEFAULT_MD5, dataRoot, out, cifarRecords, limits);
        }
        if (ds instanceof DataSpec.Cifar100 c) {
            return cifar("coarse".equals(c.labels()) ? CifarBinary.CIFAR100_COARSE : CifarBinary.CIFAR100_FINE,
                    c.url(), c.md5(), DataSpec.Cifar100.DEFAULT_URL, DataSpec.Cifar100.DEFAULT_MD5, dataRoot, out,
                    cifarRecords, limits);
        }
        if (ds instanceof DataSpec.Mnist m) {
            return IdxFiles.load(IdxFiles.MNIST, dataRoot, orDefault(m.url(), DataSpec.Mnist.DEFAULT_URL), out);
        }
        if (ds instanceof DataSpec.FashionMnist m) {
            return IdxFiles.load(IdxFiles.FASHION_MNIST, dataRoot, orDefault(m.url(), DataSpec.FashionMnist.DEFAULT_URL),
                    out);
        }
        DataSpec.ImageFolder f = (DataSpec.ImageFolder) ds;
        if (f.path() == null) {
            throw new UserError("data.dataset.imagefolder needs a path");
        }
        // the spec has made a relative path absolute, from the folder of the file that says it
        return ImageFolderLoader.load(f.path(), f.resize(), f.channels(), out);
    }

    /**
     * {@code [channels, height, width]} of the stored images, without loading them: what the data set's kind
     * says, or for an image folder without {@code resize} the size in the first training image's header.
     */
    public static int[] imageShape(DataSpec spec) {
        int[] shape = spec.dataset().imageShape();
        if (shape[1] > 0 || !(spec.dataset() instanceof DataSpec.ImageFolder f)) {
            return shape;
        }
        int[] hw = ImageFolderLoader.firstImageSize(f.path());
        return new int[] {shape[0], hw[0], hw[1]};
    }

    private static String orDefault(String url, String dflt) {
        return url == null || url.isBlank() ? dflt : url;
    }

    private static LoadedData cifar(CifarBinary.Layout layout, String url, String md5, String defaultUrl,
                                    String defaultMd5, Path dataRoot, Consumer<String> out, int records,
                                    Download.Limits limits) {
        // a URL of one's own has no known checksum unless one is given with it
        String u = orDefault(url, defaultUrl);
        String sum = url == null || url.isBlank() ? (md5 == null ? defaultMd5 : md5) : md5;
        Path dir = Download.ensure(layout.archive(), dataRoot, u, sum, out, limits);
        LoadedData d = CifarBinary.read(records > 0 ? layout.withRecords(records) : layout, dir);
        out.accept(layout.title() + ": " + d.train().size() + " train / " + d.test().size() + " test images from "
                + dir);
        return d;
    }
}
