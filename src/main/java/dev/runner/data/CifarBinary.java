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
 * Reader of the official CIFAR-10 binary layout: {@code cifar-10-batches-bin/} with {@code data_batch_1..5.bin},
 * {@code test_batch.bin} (records of 1 label byte + 1024 R, 1024 G, 1024 B bytes, row-major) and
 * {@code batches.meta.txt} (class names, one a line).
 */
final class CifarBinary {
    static final String FOLDER = "cifar-10-batches-bin";
    static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin");
    static final String TEST_FILE = "test_batch.bin";
    static final String META_FILE = "batches.meta.txt";
    static final int OFFICIAL_RECORDS = 10_000;
    static final int CLASSES = 10;
    static final int IMAGE_BYTES = 3 * 32 * 32;
    static final int RECORD_BYTES = 1 + IMAGE_BYTES;

    private CifarBinary() {}

    /** All files of the layout, in the order they are read (train batches, test batch, meta). */
    static List<Path> files(Path dir) {
        List<Path> out = new ArrayList<>();
        for (String f : TRAIN_FILES) {
            out.add(dir.resolve(f));
        }
        out.add(dir.resolve(TEST_FILE));
        out.add(dir.resolve(META_FILE));
        return out;
    }

    /** Names of the files of the layout that are missing in {@code dir}. */
    static List<String> missing(Path dir) {
        List<String> out = new ArrayList<>();
        for (Path p : files(dir)) {
            if (!Files.isRegularFile(p)) {
                out.add(p.getFileName().toString());
            }
        }
        return out;
    }

    /**
     * Reads the layout in {@code dir}, each batch file holding exactly {@code recordsPerFile} records
     * (10,000 in the official files).
     */
    static LoadedData read(Path dir, int recordsPerFile) {
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new UserError(dir + " is incomplete: missing " + String.join(", ", missing)
                    + "; delete that folder to download CIFAR-10 again, or point --data-root (or RUNNER_DATA) at a"
                    + " folder holding a complete " + FOLDER + "/");
        }
        List<String> classes = readMeta(dir.resolve(META_FILE));
        List<Path> trainFiles = new ArrayList<>();
        for (String f : TRAIN_FILES) {
            trainFiles.add(dir.resolve(f));
        }
        ImageSet train = readBatches(trainFiles, recordsPerFile, classes);
        ImageSet test = readBatches(List.of(dir.resolve(TEST_FILE)), recordsPerFile, classes);
        return new LoadedData(train, test, classes, files(dir));
    }

    static List<String> readMeta(Path meta) {
        List<String> names = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(meta, StandardCharsets.UTF_8)) {
                String s = line.strip();
                if (!s.isEmpty()) {
                    names.add(s);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + meta + ": " + e.getMessage() + hint(), e);
        }
        if (names.size() != CLASSES) {
            throw new UserError(meta + " lists " + names.size() + " class names, expected " + CLASSES
                    + " (one a line)" + hint());
        }
        return names;
    }

    private static ImageSet readBatches(List<Path> files, int recordsPerFile, List<String> classes) {
        long total = (long) files.size() * recordsPerFile;
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("too many records: " + total);
        }
        int n = (int) total;
        byte[] pixels = new byte[n * IMAGE_BYTES];
        int[] labels = new int[n];
        byte[] record = new byte[RECORD_BYTES];
        int i = 0;
        for (Path f : files) {
            long size;
            try {
                size = Files.size(f);
            } catch (IOException e) {
                throw new UserError("cannot read " + f + ": " + e.getMessage() + hint(), e);
            }
            if (size % RECORD_BYTES != 0) {
                throw new UserError(f + " is truncated or not a CIFAR-10 binary batch: " + size
                        + " bytes is not a whole number of " + RECORD_BYTES + "-byte records" + hint());
            }
            if (size / RECORD_BYTES != recordsPerFile) {
                throw new UserError(f + " holds " + size / RECORD_BYTES + " records, expected " + recordsPerFile
                        + " (" + (long) recordsPerFile * RECORD_BYTES + " bytes)" + hint());
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
                for (int r = 0; r < recordsPerFile; r++, i++) {
                    if (in.readNBytes(record, 0, RECORD_BYTES) != RECORD_BYTES) {
                        throw new UserError(f + " ended early at record " + r + hint());
                    }
                    int label = record[0] & 0xFF;
                    if (label >= classes.size()) {
                        throw new UserError(f + ": record " + r + " has label " + label + ", CIFAR-10 labels are 0.."
                                + (classes.size() - 1) + " (damaged file?)" + hint());
                    }
                    labels[i] = label;
                    System.arraycopy(record, 1, pixels, i * IMAGE_BYTES, IMAGE_BYTES);
                }
            } catch (IOException e) {
                throw new UserError("cannot read " + f + ": " + e.getMessage() + hint(), e);
            }
        }
        return new ImageSet(pixels, labels, 3, 32, 32, classes);
    }

    static String hint() {
        return "; delete the " + FOLDER + " folder to download it again, or point --data-root (or RUNNER_DATA) at a"
                + " good copy";
    }
}
