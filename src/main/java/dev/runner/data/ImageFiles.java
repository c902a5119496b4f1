package dev.runner.data;

import dev.runner.UserError;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Images named on a command line (files, or folders of them) decoded as an experiment's evaluation would see them:
 * RGB (or, for a 1-channel model, grey) bytes in CHW order as {@link ImageFolderLoader} decodes its folders,
 * resized bilinearly only when the
 * experiment's image folder resizes ({@code resize} not null), else each must already be the model's size.
 */
public final class ImageFiles {
    private ImageFiles() {}

    /** Decoded images and the files they came from, in the same order. */
    public record Loaded(ImageSet images, List<Path> files) {}

    /**
     * The PNG/JPEG files among {@code inputs}: a file as it is (it must be a PNG or JPEG), a folder as the images
     * under it (its sub-folders too), sorted by path. A missing input is a one-line error naming it.
     */
    public static List<Path> expand(List<Path> inputs) {
        List<Path> out = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> s = Files.walk(in)) {
                    List<Path> found = s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList();
                    if (found.isEmpty()) {
                        throw new UserError(in + ": no .png/.jpg/.jpeg images in this folder", 2, null);
                    }
                    out.addAll(found);
                } catch (IOException e) {
                    throw new UserError("cannot list " + in + ": " + e.getMessage(), 1, e);
                }
            } else if (Files.isRegularFile(in)) {
                if (!isImage(in)) {
                    throw new UserError(in + ": not a .png, .jpg or .jpeg file", 2, null);
                }
                out.add(in);
            } else {
                throw new UserError(in + ": no such file or folder", 2, null);
            }
        }
        return out;
    }

    /**
     * Decodes {@code files} into one set of {@code shape} = [channels, height, width] images (labels {@code labels},
     * or all 0 when null, over {@code classes}).
     *
     * @param resize [h, w] when the experiment resizes images of another size, else null: an image of another
     *               size is then a one-line error naming its size and the model's input
     */
    public static ImageSet decode(List<Path> files, int[] labels, List<String> classes, int[] shape, int[] resize) {
        int c = shape[0];
        if (c != 3 && c != 1) {
            throw new UserError("the model takes " + str(shape) + " inputs, but images decode to 3 channels (RGB)"
                    + " or 1 (grey)", 2, null);
        }
        int h = shape[1];
        int w = shape[2];
        int per = c * h * w;
        if ((long) per * files.size() > Integer.MAX_VALUE - 16) {
            throw new UserError(files.size() + " images of " + str(shape) + " do not fit in one 2 GB array: give"
                    + " fewer at a time", 2, null);
        }
        byte[] pixels = new byte[per * files.size()];
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            BufferedImage img = ImageFolderLoader.decode(f);
            if (img.getHeight() == h && img.getWidth() == w) {
                ImageFolderLoader.toChw(img, c, pixels, i * per);
            } else if (resize != null) {
                byte[] raw = new byte[c * img.getHeight() * img.getWidth()];
                ImageFolderLoader.toChw(img, c, raw, 0);
                ImageFolderLoader.resizeBilinear(raw, c, img.getHeight(), img.getWidth(), pixels, i * per, h, w);
            } else {
                throw new UserError(f + " is a [" + c + ", " + img.getHeight() + ", " + img.getWidth() + "] image but the"
                        + " model takes " + str(shape) + " (channels, height, width)", 2, null);
            }
        }
        return new ImageSet(pixels, labels == null ? new int[files.size()] : labels, c, h, w, classes);
    }

    /**
     * A labelled folder, {@code dir/<class>/*.png|jpg}: every class folder must be one of {@code classes} (the
     * model's), whose index is the label.
     */
    public static Loaded labelled(Path dir, List<String> classes, int[] shape, int[] resize) {
        if (!Files.isDirectory(dir)) {
            throw new UserError("--folder " + dir + ": not a folder", 2, null);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + e.getMessage(), 1, e);
        }
        for (Path cd : classDirs) {
            String name = cd.getFileName().toString();
            int c = classes.indexOf(name);
            if (c < 0) {
                throw new UserError(cd + ": `" + name + "` is not one of the model's classes ("
                        + String.join(", ", classes) + ")", 2, null);
            }
            try (Stream<Path> s = Files.list(cd)) {
                for (Path f : s.filter(Files::isRegularFile).filter(ImageFiles::isImage).sorted().toList()) {
                    files.add(f);
                    labels.add(c);
                }
            } catch (IOException e) {
                throw new UserError("cannot list " + cd + ": " + e.getMessage(), 1, e);
            }
        }
        if (files.isEmpty()) {
            throw new UserError("--folder " + dir + ": no images in <class>/ folders (expected " + dir
                    + "/<class>/*.png|jpg)", 2, null);
        }
        int[] l = labels.stream().mapToInt(Integer::intValue).toArray();
        return new Loaded(decode(files, l, classes, shape, resize), List.copyOf(files));
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    private static String str(int[] s) {
        return "[" + s[0] + ", " + s[1] + ", " + s[2] + "]";
    }
}
