package dev.runner.data;

import dev.runner.UserError;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The MNIST family in its official format: four gzipped IDX files ({@code train-images-idx3-ubyte.gz},
 * {@code train-labels-idx1-ubyte.gz}, {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}) in
 * torchvision's folder ({@code <root>/MNIST/raw/}, {@code <root>/FashionMNIST/raw/}), so a copy torchvision
 * downloaded is found. An IDX file is a big-endian header (magic {@code 0x0000080N}: unsigned bytes, N
 * dimensions; then N 32-bit sizes) followed by the bytes row-major. Each file is checked against its published
 * MD5 and downloaded when missing.
 */
final class IdxFiles {
    static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    /**
     * One data set of the family.
     *
     * @param folder  under the data root
     * @param md5     the published MD5 of each of {@link #FILES}, in that order (null: not checked)
     */
    record Layout(String title, String folder, List<String> md5, List<String> classes) {}

    static final Layout MNIST = new Layout("MNIST", "MNIST/raw", List.of("f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "d53e105ee54ea40749a09fcbcd1e9432", "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"),
            List.of("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
                    "8 - eight", "9 - nine"));
    static final Layout FASHION_MNIST = new Layout("Fashion-MNIST", "FashionMNIST/raw",
            List.of("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                    "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"),
            List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                    "Ankle boot"));

    private IdxFiles() {}

    /** Ensures the four files are in {@code dataRoot/<folder>} (downloading from {@code baseUrl}) and reads them. */
    static LoadedData load(Layout layout, Path dataRoot, String baseUrl, Consumer<String> log) {
        Path dir = dataRoot.resolve(layout.folder());
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < FILES.size(); i++) {
            String base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
            files.add(Download.ensureFile(layout.title(), dir.resolve(FILES.get(i)), base + FILES.get(i),
                    layout.md5() == null ? null : layout.md5().get(i), log, Download.Limits.DEFAULT));
        }
        ImageSet train = read(layout, files.get(0), files.get(1));
        ImageSet test = read(layout, files.get(2), files.get(3));
        log.accept(layout.title() + ": " + train.size() + " train / " + test.size() + " test images from " + dir);
        return new LoadedData(train, test, layout.classes(), files);
    }

    static ImageSet read(Layout layout, Path imagesFile, Path labelsFile) {
        int[] dims = new int[3];
        byte[] pixels = readIdx(layout, imagesFile, 3, dims);
        int[] labelDims = new int[1];
        byte[] labelBytes = readIdx(layout, labelsFile, 1, labelDims);
        if (labelDims[0] != dims[0]) {
            throw new UserError(labelsFile + " holds " + labelDims[0] + " labels but " + imagesFile.getFileName()
                    + " " + dims[0] + " images" + hint(layout));
        }
        int[] labels = new int[labelBytes.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labelBytes[i] & 0xFF;
            if (labels[i] >= layout.classes().size()) {
                throw new UserError(labelsFile + ": label " + i + " is " + labels[i] + ", " + layout.title()
                        + " labels are 0.." + (layout.classes().size() - 1) + " (damaged file?)" + hint(layout));
            }
        }
        return new ImageSet(pixels, labels, 1, dims[1], dims[2], layout.classes());
    }

    /** The data of a gzipped IDX file of unsigned bytes with {@code rank} dimensions, which go into {@code dims}. */
    private static byte[] readIdx(Layout layout, Path file, int rank, int[] dims) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                new GZIPInputStream(Files.newInputStream(file), 1 << 16), 1 << 16))) {
            int magic = in.readInt();
            if (magic != (0x0800 | rank)) {
                throw new UserError(file + " is not an IDX file of unsigned bytes with " + rank + " dimension"
                        + (rank == 1 ? "" : "s") + " (magic number 0x" + Integer.toHexString(magic) + ", expected 0x"
                        + Integer.toHexString(0x0800 | rank) + ")" + hint(layout));
            }
            long total = 1;
            for (int d = 0; d < rank; d++) {
                dims[d] = in.readInt();
                if (dims[d] <= 0) {
                    throw new UserError(file + ": dimension " + d + " is " + dims[d] + hint(layout));
                }
                total *= dims[d];
            }
            if (total > Integer.MAX_VALUE - 16) {
                throw new UserError(file + " declares " + total + " bytes, more than this reader takes" + hint(layout));
            }
            byte[] data = new byte[(int) total];
            in.readFully(data);
            if (in.read() >= 0) {
                throw new UserError(file + " holds more than the " + total + " bytes its header declares"
                        + hint(layout));
            }
            return data;
        } catch (EOFException e) {
            throw new UserError(file + " is truncated: shorter than its header declares" + hint(layout));
        } catch (ZipException e) {
            throw new UserError(file + " is not a gzip file (" + e.getMessage() + ")" + hint(layout));
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage() + hint(layout), e);
        }
    }

    static String hint(Layout layout) {
        return "; delete it to download " + layout.title() + " again, or point --data-root (or RUNNER_DATA) at a"
                + " folder holding a good " + layout.folder() + "/";
    }
}
