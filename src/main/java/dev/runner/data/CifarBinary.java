package dev.runner.data;

import dev.runner.UserError;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reader of the official CIFAR binary layouts. CIFAR-10: {@code cifar-10-batches-bin/} with
 * {@code data_batch_1..5.bin}, {@code test_batch.bin} (records of 1 label byte + 1024 R, 1024 G, 1024 B bytes,
 * row-major) and {@code batches.meta.txt} (class names, one a line). CIFAR-100: {@code cifar-100-binary/} with
 * {@code train.bin}, {@code test.bin} (records of a coarse label byte, a fine label byte, then the 3072 pixel bytes)
 * and {@code coarse_label_names.txt} (20 names), {@code fine_label_names.txt} (100 names).
 */
final class CifarBinary {
    static final int IMAGE_BYTES = 3 * 32 * 32;

    /**
     * One layout and which of its labels is read.
     *
     * @param labelBytes   label bytes before each record's pixels
     * @param labelAt      the label byte read (0-based)
     * @param classFile    the file naming the classes of that label
     * @param otherFiles   further files a complete folder has (the other label's names)
     * @param trainRecords records in each training file
     * @param testRecords  records in the test file
     */
    record Layout(String title, Download.Archive archive, List<String> trainFiles, String testFile, int labelBytes,
                  int labelAt, String classFile, int classes, List<String> otherFiles, int trainRecords,
                  int testRecords) {
        String folder() {
            return archive.folder();
        }

        int recordBytes() {
            return labelBytes + IMAGE_BYTES;
        }

        /** The same layout with {@code records} records in every file (tests' tiny files). */
        Layout withRecords(int records) {
            return new Layout(title, archive, trainFiles, testFile, labelBytes, labelAt, classFile, classes, otherFiles,
                    records, records);
        }

        /** All files of the layout, in the order they are read (train, test, class names, the other names). */
        List<Path> files(Path dir) {
            List<Path> out = new ArrayList<>();
            for (String f : trainFiles) {
                out.add(dir.resolve(f));
            }
            out.add(dir.resolve(testFile));
            out.add(dir.resolve(classFile));
            for (String f : otherFiles) {
                out.add(dir.resolve(f));
            }
            return out;
        }

        /** Names of the files of the layout that are missing in {@code dir}. */
        List<String> missing(Path dir) {
            return archive.missing().apply(dir);
        }
    }

    private static final List<String> CIFAR10_TRAIN = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    static final Layout CIFAR10 = new Layout("CIFAR-10", new Download.Archive("CIFAR-10", "cifar-10-binary.tar.gz",
            "cifar-10-batches-bin", dir -> missing(CIFAR10_TRAIN, "test_batch.bin", List.of("batches.meta.txt"), dir)),
            CIFAR10_TRAIN, "test_batch.bin", 1, 0, "batches.meta.txt", 10, List.of(), 10_000, 10_000);
    private static final List<String> CIFAR100_NAMES = List.of("coarse_label_names.txt", "fine_label_names.txt");
    private static final Download.Archive CIFAR100_ARCHIVE = new Download.Archive("CIFAR-100",
            "cifar-100-binary.tar.gz", "cifar-100-binary",
            dir -> missing(List.of("train.bin"), "test.bin", CIFAR100_NAMES, dir));
    static final Layout CIFAR100_FINE = new Layout("CIFAR-100", CIFAR100_ARCHIVE, List.of("train.bin"), "test.bin", 2,
            1, "fine_label_names.txt", 100, List.of("coarse_label_names.txt"), 50_000, 10_000);
    static final Layout CIFAR100_COARSE = new Layout("CIFAR-100", CIFAR100_ARCHIVE, List.of("train.bin"), "test.bin",
            2, 0, "coarse_label_names.txt", 20, List.of("fine_label_names.txt"), 50_000, 10_000);

    private CifarBinary() {}

    private static List<String> missing(List<String> train, String test, List<String> names, Path dir) {
        List<String> out = new ArrayList<>();
        List<String> all = new ArrayList<>(train);
        all.add(test);
        all.addAll(names);
        for (String f : all) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                out.add(f);
            }
        }
        return out;
    }

    /** Reads {@code layout} in {@code dir}, each file holding exactly the layout's number of records. */
    static LoadedData read(Layout layout, Path dir) {
        List<String> missing = layout.missing(dir);
        if (!missing.isEmpty()) {
            throw new UserError(dir + " is incomplete: missing " + String.join(", ", missing)
                    + "; delete that folder to download " + layout.title() + " again, or point --data-root (or"
                    + " RUNNER_DATA) at a folder holding a complete " + layout.folder() + "/");
        }
        List<String> classes = readClassNames(layout, dir.resolve(layout.classFile()));
        List<Path> trainFiles = new ArrayList<>();
        for (String f : layout.trainFiles()) {
            trainFiles.add(dir.resolve(f));
        }
        ImageSet train = readRecords(layout, trainFiles, layout.trainRecords(), classes);
        ImageSet test = readRecords(layout, List.of(dir.resolve(layout.testFile())), layout.testRecords(), classes);
        return new LoadedData(train, test, classes, layout.files(dir));
    }

    static List<String> readClassNames(Layout layout, Path meta) {
        List<String> names = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(meta, StandardCharsets.UTF_8)) {
                String s = line.strip();
                if (!s.isEmpty()) {
                    names.add(s);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + meta + ": " + e.getMessage() + hint(layout), e);
        }
        if (names.size() != layout.classes()) {
            throw new UserError(meta + " lists " + names.size() + " class names, expected " + layout.classes()
                    + " (one a line)" + hint(layout));
        }
        return names;
    }

    private static ImageSet readRecords(Layout layout, List<Path> files, int recordsPerFile, List<String> classes) {
        int recordBytes = layout.recordBytes();
        long total = (long) files.size() * recordsPerFile;
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("too many records: " + total);
        }
        int n = (int) total;
        byte[] pixels = new byte[n * IMAGE_BYTES];
        int[] labels = new int[n];
        byte[] record = new byte[recordBytes];
        int i = 0;
        for (Path f : files) {
            long size;
            try {
                size = Files.size(f);
            } catch (IOException e) {
                throw new UserError("cannot read " + f + ": " + e.getMessage() + hint(layout), e);
            }
            if (size % recordBytes != 0) {
                throw new UserError(f + " is truncated or not a " + layout.title() + " binary file: " + size
                        + " bytes is not a whole number of " + recordBytes + "-byte records" + hint(layout));
            }
            if (size / recordBytes != recordsPerFile) {
                throw new UserError(f + " holds " + size / recordBytes + " records, expected " + recordsPerFile
                        + " (" + (long) recordsPerFile * recordBytes + " bytes)" + hint(layout));
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
                for (int r = 0; r < recordsPerFile; r++, i++) {
                    if (in.readNBytes(record, 0, recordBytes) != recordBytes) {
                        throw new UserError(f + " ended early at record " + r + hint(layout));
                    }
                    int label = record[layout.labelAt()] & 0xFF;
                    if (label >= classes.size()) {
                        throw new UserError(f + ": record " + r + " has label " + label + ", " + layout.title()
                                + " labels (" + layout.classFile() + ") are 0.." + (classes.size() - 1)
                                + " (damaged file?)" + hint(layout));
                    }
                    labels[i] = label;
                    System.arraycopy(record, layout.labelBytes(), pixels, i * IMAGE_BYTES, IMAGE_BYTES);
                }
            } catch (IOException e) {
                throw new UserError("cannot read " + f + ": " + e.getMessage() + hint(layout), e);
            }
        }
        return new ImageSet(pixels, labels, 3, 32, 32, classes);
    }

    static String hint(Layout layout) {
        return "; delete the " + layout.folder() + " folder to download it again, or point --data-root (or"
                + " RUNNER_DATA) at a good copy";
    }
}
