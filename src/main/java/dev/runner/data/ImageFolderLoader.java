package dev.runner.data;

import dev.runner.UserError;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * torchvision's ImageFolder convention: {@code DIR/train/<class>/*.{png,jpg,jpeg}} and {@code DIR/test/<class>/*}
 * (and {@code DIR/val/<class>/*}, the validation set, when there is such a folder),
 * classes = the sorted folder names of {@code train} (test may lack some), files sorted by name within a class.
 * Images are decoded once (ImageIO, all cores) into bytes: with 3 channels RGB, grey images replicated to three
 * channels and alpha dropped, as PIL's {@code convert("RGB")}; with 1 channel grey, colour images converted as
 * PIL's {@code convert("L")} ({@code (19595 R + 38470 G + 7471 B + 2^15) >> 16}, i.e. 0.299 R + 0.587 G +
 * 0.114 B rounded). All images must have one size unless {@code resize} [h, w]
 * is given, in which case every image of another size is resized bilinearly (pixel centres aligned, no
 * antialiasing).
 */
final class ImageFolderLoader {
    private ImageFolderLoader() {}

    static LoadedData load(Path dir, int[] resize, int channels, Consumer<String> log) {
        return load(dir, resize, channels, log, Runtime.getRuntime().availableProcessors());
    }

    /** {@code [height, width]} of the first training image (of the first class), from its header only. */
    static int[] firstImageSize(Path dir) {
        Path trainDir = dir.resolve("train");
        List<String> classes = classes(dir);
        List<Path> files = imageFiles(trainDir.resolve(classes.get(0)));
        if (files.isEmpty()) {
            throw new UserError(trainDir.resolve(classes.get(0)) + " holds no .png/.jpg/.jpeg images");
        }
        Path f = files.get(0);
        try (ImageInputStream in = new javax.imageio.stream.FileImageInputStream(f.toFile())) {
            var readers = ImageIO.getImageReaders(in);
            if (readers.hasNext()) {
                javax.imageio.ImageReader reader = readers.next();
                try {
                    reader.setInput(in, true, true);
                    return new int[] {reader.getHeight(0), reader.getWidth(0)};
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read image " + f + " (" + e.getMessage() + "); fix or remove it");
        }
        throw new UserError("cannot read image " + f + " (not a PNG or JPEG image); fix or remove it");
    }

    private static List<String> classes(Path dir) {
        Path trainDir = dir.resolve("train");
        Path testDir = dir.resolve("test");
        if (!Files.isDirectory(trainDir) || !Files.isDirectory(testDir)) {
            throw new UserError("image folder " + dir + " must contain train/<class>/ and test/<class>/ folders"
                    + " (check data.dataset.imagefolder.path: a relative path is taken from the folder of the"
                    + " experiment file that says it)");
        }
        List<String> classes = classFolders(trainDir);
        if (classes.isEmpty()) {
            throw new UserError(trainDir + " has no class folders (expected train/<class>/*.png|jpg)");
        }
        return classes;
    }

    static LoadedData load(Path dir, int[] resize, int channels, Consumer<String> log, int threads) {
        if (resize != null && (resize.length != 2 || resize[0] <= 0 || resize[1] <= 0)) {
            throw new UserError("data.dataset.imagefolder.resize must be [height, width] with positive values");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        Path trainDir = dir.resolve("train");
        Path testDir = dir.resolve("test");
        List<String> classes = classes(dir);
        List<Path> trainFiles = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Path> files = imageFiles(trainDir.resolve(classes.get(c)));
            if (files.isEmpty()) {
                throw new UserError(trainDir.resolve(classes.get(c)) + " holds no .png/.jpg/.jpeg images");
            }
            for (Path f : files) {
                trainFiles.add(f);
                trainLabels.add(c);
            }
        }
        List<Path> testFiles = new ArrayList<>();
        List<Integer> testLabels = new ArrayList<>();
        split(testDir, trainDir, classes, testFiles, testLabels);
        Path valDir = dir.resolve("val");
        List<Path> valFiles = new ArrayList<>();
        List<Integer> valLabels = new ArrayList<>();
        if (Files.isDirectory(valDir)) {
            split(valDir, trainDir, classes, valFiles, valLabels);
        }
        int[] shape;
        if (resize != null) {
            shape = new int[] {resize[0], resize[1]};
        } else {
            BufferedImage first = decode(trainFiles.get(0));
            shape = new int[] {first.getHeight(), first.getWidth()};
        }
        long imageBytes = (long) channels * shape[0] * shape[1];
        if (imageBytes * Math.max(trainFiles.size(), testFiles.size()) > Integer.MAX_VALUE - 16) {
            throw new UserError("image folder " + dir + ": " + trainFiles.size() + " images of " + shape[0] + "x"
                    + shape[1] + " do not fit in one 2 GB array; give a smaller data.dataset.imagefolder.resize");
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "runner-data-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            int[] resized = new int[1];
            ImageSet train = decodeAll(trainFiles, trainLabels, classes, channels, shape, resize != null, pool,
                    resized);
            ImageSet test = decodeAll(testFiles, testLabels, classes, channels, shape, resize != null, pool, resized);
            ImageSet val = valFiles.isEmpty() ? null
                    : decodeAll(valFiles, valLabels, classes, channels, shape, resize != null, pool, resized);
            log.accept("image folder " + dir + ": " + train.size() + " train / " + test.size() + " test"
                    + (val == null ? "" : " / " + val.size() + " val") + " images, "
                    + classes.size() + " classes, " + (channels == 1 ? "grey " : "") + shape[0] + "x" + shape[1]
                    + (resized[0] > 0 ? " (" + resized[0] + " resized bilinearly)" : ""));
            List<Path> files = new ArrayList<>(trainFiles);
            files.addAll(testFiles);
            files.addAll(valFiles);
            return new LoadedData(train, test, classes, files, val);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The images of a {@code test/} or {@code val/} folder, whose classes must be among train/'s. */
    private static void split(Path splitDir, Path trainDir, List<String> classes, List<Path> files,
                              List<Integer> labels) {
        for (String name : classFolders(splitDir)) {
            int c = classes.indexOf(name);
            if (c < 0) {
                throw new UserError(splitDir.resolve(name) + " is a class that train/ does not have; classes in "
                        + trainDir + ": " + String.join(", ", classes));
            }
            for (Path f : imageFiles(splitDir.resolve(name))) {
                files.add(f);
                labels.add(c);
            }
        }
        if (files.isEmpty()) {
            throw new UserError(splitDir + " holds no images (expected " + splitDir.getFileName()
                    + "/<class>/*.png|jpg)");
        }
    }

    private static List<String> classFolders(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static List<Path> imageFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static ImageSet decodeAll(List<Path> files, List<Integer> labelList, List<String> classes, int channels,
                                      int[] shape, boolean resize, ExecutorService pool, int[] resizedCount) {
        int n = files.size();
        int h = shape[0];
        int w = shape[1];
        int per = channels * h * w;
        byte[] pixels = new byte[n * per];
        int[] labels = new int[n];
        int chunks = Math.min(n, 64);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int k = 0; k < chunks; k++) {
            int from = (int) ((long) n * k / chunks);
            int to = (int) ((long) n * (k + 1) / chunks);
            futures.add(pool.submit(() -> {
                int resized = 0;
                for (int i = from; i < to; i++) {
                    Path f = files.get(i);
                    BufferedImage img = decode(f);
                    if (img.getHeight() != h || img.getWidth() != w) {
                        if (!resize) {
                            throw new UserError(f + " is " + img.getHeight() + "x" + img.getWidth() + " (height x"
                                    + " width) but the other images are " + h + "x" + w + "; give"
                                    + " data.dataset.imagefolder.resize: [" + h + ", " + w + "] to resize");
                        }
                        byte[] raw = new byte[channels * img.getHeight() * img.getWidth()];
                        toChw(img, channels, raw, 0);
                        resizeBilinear(raw, channels, img.getHeight(), img.getWidth(), pixels, i * per, h, w);
                        resized++;
                    } else {
                        toChw(img, channels, pixels, i * per);
                    }
                }
                return resized;
            }));
        }
        for (int i = 0; i < n; i++) {
            labels[i] = labelList.get(i);
        }
        for (Future<Integer> f : futures) {
            try {
                resizedCount[0] += f.get();
            } catch (ExecutionException e) {
                for (Future<Integer> g : futures) {
                    g.cancel(true);
                }
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new UserError("decoding images failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted while decoding images");
            }
        }
        return new ImageSet(pixels, labels, channels, h, w, classes);
    }

    /** Images declaring more pixels than this (in their header) are refused before any pixel memory is taken. */
    static final long MAX_PIXELS = 8192L * 8192;

    static BufferedImage decode(Path f) {
        BufferedImage img = null;
        // from memory, without a temporary cache file
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(Files.readAllBytes(f)))) {
            var readers = ImageIO.getImageReaders(in);
            if (readers.hasNext()) {
                javax.imageio.ImageReader reader = readers.next();
                try {
                    reader.setInput(in, true, true);
                    long w = reader.getWidth(0);
                    long h = reader.getHeight(0);
                    if (w <= 0 || h <= 0 || w * h > MAX_PIXELS) {
                        throw new UserError("image " + f + " declares " + w + "x" + h + " pixels (width x height),"
                                + " more than the " + MAX_PIXELS + " an image may have here; fix or remove it");
                    }
                    img = reader.read(0);
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError u) {
                throw u;
            }
            throw new UserError("cannot read image " + f + " (" + e.getMessage() + "); fix or remove it");
        }
        if (img == null) {
            throw new UserError("cannot read image " + f + " (not a PNG or JPEG image); fix or remove it");
        }
        return img;
    }

    /** Writes {@code img} as RGB bytes ({@code channels} 3) or grey bytes (1), CHW, at {@code dst[off ..]}. */
    static void toChw(BufferedImage img, int channels, byte[] dst, int off) {
        int h = img.getHeight();
        int w = img.getWidth();
        int plane = h * w;
        Raster raster = img.getRaster();
        boolean grey = raster.getNumBands() <= 2 && img.getColorModel().getNumColorComponents() == 1
                && raster.getSampleModel().getSampleSize(0) == 8 && img.getColorModel().getPixelSize() <= 16;
        if (grey) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) row[x];
                    int p = y * w + x;
                    for (int c = 0; c < channels; c++) {
                        dst[off + c * plane + p] = v;
                    }
                }
            }
            return;
        }
        if (channels == 1) {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int p = 0; p < plane; p++) {
                int v = argb[p];
                dst[off + p] = (byte) luma((v >>> 16) & 0xFF, (v >>> 8) & 0xFF, v & 0xFF);
            }
            return;
        }
        if (img.getType() == BufferedImage.TYPE_3BYTE_BGR && raster.getSampleModel() instanceof
                PixelInterleavedSampleModel sm && sm.getPixelStride() == 3 && sm.getScanlineStride() == 3 * w
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && raster.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && db.getOffset() == 0) {
            byte[] bgr = db.getData();   // the common JPEG case: read the bytes directly
            for (int p = 0; p < plane; p++) {
                dst[off + p] = bgr[3 * p + 2];
                dst[off + plane + p] = bgr[3 * p + 1];
                dst[off + 2 * plane + p] = bgr[3 * p];
            }
            return;
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int p = 0; p < plane; p++) {
            int v = argb[p];
            dst[off + p] = (byte) (v >>> 16);
            dst[off + plane + p] = (byte) (v >>> 8);
            dst[off + 2 * plane + p] = (byte) v;
        }
    }

    /** PIL's {@code convert("L")} of one RGB pixel (ITU-R 601-2 luma in 16-bit fixed point, rounded). */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /** Bilinear resize of a CHW image (half-pixel centres, edge clamped, rounded to nearest). */
    static void resizeBilinear(byte[] src, int channels, int sh, int sw, byte[] dst, int off, int dh, int dw) {
        double sy = (double) sh / dh;
        double sx = (double) sw / dw;
        int[] x0 = new int[dw];
        int[] x1 = new int[dw];
        double[] fx = new double[dw];
        for (int x = 0; x < dw; x++) {
            double u = Math.max(0, (x + 0.5) * sx - 0.5);
            x0[x] = Math.min((int) u, sw - 1);
            x1[x] = Math.min(x0[x] + 1, sw - 1);
            fx[x] = u - x0[x];
        }
        for (int c = 0; c < channels; c++) {
            int sp = c * sh * sw;
            int dp = off + c * dh * dw;
            for (int y = 0; y < dh; y++) {
                double v = Math.max(0, (y + 0.5) * sy - 0.5);
                int y0 = Math.min((int) v, sh - 1);
                int y1 = Math.min(y0 + 1, sh - 1);
                double fy = v - y0;
                for (int x = 0; x < dw; x++) {
                    double a = src[sp + y0 * sw + x0[x]] & 0xFF;
                    double b = src[sp + y0 * sw + x1[x]] & 0xFF;
                    double cc = src[sp + y1 * sw + x0[x]] & 0xFF;
                    double d = src[sp + y1 * sw + x1[x]] & 0xFF;
                    double top = a + (b - a) * fx[x];
                    double bot = cc + (d - cc) * fx[x];
                    dst[dp + y * dw + x] = (byte) Math.round(top + (bot - top) * fy);
                }
            }
        }
    }
}
