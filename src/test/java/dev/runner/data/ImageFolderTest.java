package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.DataSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageFolderTest {
    @TempDir
    Path tmp;

    static int r(int id, int y, int x) {
        return (id * 37 + y * 11 + x * 3) & 0xFF;
    }

    static int g(int id, int y, int x) {
        return (id * 5 + y * 29 + x * 17 + 100) & 0xFF;
    }

    static int b(int id, int y, int x) {
        return (id * 13 + y * x + 7) & 0xFF;
    }

    /** A PNG whose pixels are a function of {@code id}. */
    static void png(Path file, int id, int h, int w) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (r(id, y, x) << 16) | (g(id, y, x) << 8) | b(id, y, x));
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** train: cat (2 images), ant (3), bee (1); test: bee (1), ant (1). ids encode class and file. */
    Path folder(int h, int w) throws IOException {
        Path d = tmp.resolve("imgs");
        png(d.resolve("train/cat/b.png"), 11, h, w);
        png(d.resolve("train/cat/a.png"), 10, h, w);
        png(d.resolve("train/ant/2.png"), 2, h, w);
        png(d.resolve("train/ant/0.png"), 0, h, w);
        png(d.resolve("train/ant/1.PNG"), 1, h, w);
        png(d.resolve("train/bee/x.png"), 5, h, w);
        Files.writeString(d.resolve("train/bee/notes.txt"), "ignored");
        png(d.resolve("test/bee/q.png"), 20, h, w);
        png(d.resolve("test/ant/p.png"), 21, h, w);
        return d;
    }

    static void assertImage(ImageSet s, int i, int id) {
        for (int y = 0; y < s.height(); y++) {
            for (int x = 0; x < s.width(); x++) {
                assertThat(s.pixel(i, 0, y, x)).isEqualTo(r(id, y, x));
                assertThat(s.pixel(i, 1, y, x)).isEqualTo(g(id, y, x));
                assertThat(s.pixel(i, 2, y, x)).isEqualTo(b(id, y, x));
            }
        }
    }

    @Test
    void readsSortedClassesAndFilesExactly() throws IOException {
        Path d = folder(6, 5);
        List<String> log = new ArrayList<>();
        LoadedData data = ImageFolderLoader.load(d, null, 3, log::add, 2);
        assertThat(data.classes()).containsExactly("ant", "bee", "cat");
        ImageSet train = data.train();
        assertThat(train.size()).isEqualTo(6);
        assertThat(train.height()).isEqualTo(6);
        assertThat(train.width()).isEqualTo(5);
        assertThat(train.labels()).containsExactly(0, 0, 0, 1, 2, 2);
        int[] ids = {0, 1, 2, 5, 10, 11};   // 0.png, 1.PNG, 2.png, x.png, a.png, b.png
        for (int i = 0; i < ids.length; i++) {
            assertImage(train, i, ids[i]);
        }
        assertThat(data.test().labels()).containsExactly(0, 1);   // test/ant/p.png, test/bee/q.png
        assertImage(data.test(), 0, 21);
        assertImage(data.test(), 1, 20);
        assertThat(data.files()).hasSize(8).allMatch(p -> !p.toString().endsWith(".txt"));
        assertThat(log).anyMatch(s -> s.contains("6 train / 2 test images, 3 classes, 6x5"));
    }

    @Test
    void oneChannelConvertsColourAsPilsConvertL() throws IOException {
        Path d = folder(3, 4);
        // a grey PNG next to the colour ones is read as it is
        BufferedImage grey = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(2, 1, 0, 201);
        ImageIO.write(grey, "png", d.resolve("test/bee/r.png").toFile());
        List<String> log = new ArrayList<>();
        LoadedData data = ImageFolderLoader.load(d, null, 1, log::add, 2);
        ImageSet train = data.train();
        assertThat(train.channels()).isEqualTo(1);
        assertThat(train.imageBytes()).isEqualTo(12);
        int[] ids = {0, 1, 2, 5, 10, 11};
        for (int i = 0; i < ids.length; i++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    int r = r(ids[i], y, x);
                    int g = g(ids[i], y, x);
                    int b = b(ids[i], y, x);
                    // L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded
                    assertThat(train.pixel(i, 0, y, x)).isCloseTo((int) Math.round(0.299 * r + 0.587 * g + 0.114 * b),
                            org.assertj.core.data.Offset.offset(1));
                    assertThat(train.pixel(i, 0, y, x)).isEqualTo((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
                }
            }
        }
        assertThat(ImageFolderLoader.luma(255, 255, 255)).isEqualTo(255);
        assertThat(ImageFolderLoader.luma(255, 0, 0)).isEqualTo(76);
        assertThat(ImageFolderLoader.luma(0, 255, 0)).isEqualTo(150);
        assertThat(ImageFolderLoader.luma(0, 0, 255)).isEqualTo(29);
        assertThat(data.test().labels()).containsExactly(0, 1, 1);
        assertThat(data.test().pixel(2, 0, 1, 2)).isEqualTo(201);
        assertThat(data.test().pixel(2, 0, 0, 0)).isZero();
        assertThat(log).anyMatch(s -> s.contains("3 classes, grey 3x4"));
        assertThat(ImageFolderLoader.firstImageSize(d)).containsExactly(3, 4);
    }

    @Test
    void aRelativePathIsNotLookedUpInTheDataRoot() throws IOException {
        // the spec makes a relative path absolute from the experiment file's folder; the data root plays no part
        folder(4, 4);
        DataSpec spec = new DataSpec(new DataSpec.ImageFolder(Path.of("imgs"), null), 2, 2, true, List.of(), null);
        assertThatThrownBy(() -> Datasets.load(spec, tmp, s -> { })).isInstanceOf(UserError.class)
                .hasMessage("image folder imgs must contain train/<class>/ and test/<class>/ folders (check"
                        + " data.dataset.imagefolder.path: a relative path is taken from the folder of the experiment"
                        + " file that says it)");
        assertThat(Datasets.load(new DataSpec(new DataSpec.ImageFolder(tmp.resolve("imgs"), null), 2, 2, true,
                List.of(), null), tmp, s -> { }).classes()).containsExactly("ant", "bee", "cat");
    }

    @Test
    void greyImagesBecomeThreeEqualChannels() throws IOException {
        Path d = tmp.resolve("grey");
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        int[] values = {0, 50, 100, 150, 200, 255};
        img.getRaster().setPixels(0, 0, 3, 2, values);
        Files.createDirectories(d.resolve("train/a"));
        Files.createDirectories(d.resolve("test/a"));
        ImageIO.write(img, "png", d.resolve("train/a/g.png").toFile());
        ImageIO.write(img, "png", d.resolve("test/a/g.png").toFile());
        ImageSet s = ImageFolderLoader.load(d, null, 3, x -> { }, 1).train();
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 6; i++) {
                assertThat(s.pixel(0, c, i / 3, i % 3)).isEqualTo(values[i]);
            }
        }
    }

    @Test
    void anImageOfAnotherSizeIsAnErrorUnlessResized() throws IOException {
        Path d = folder(4, 4);
        png(d.resolve("train/bee/y.png"), 7, 8, 6);
        assertThatThrownBy(() -> ImageFolderLoader.load(d, null, 3, s -> { }, 2))
                .isInstanceOf(UserError.class)
                .hasMessageContaining(d.resolve("train/bee/y.png") + " is 8x6")
                .hasMessageContaining("resize")
                .hasMessageNotContaining("\n");
        List<String> log = new ArrayList<>();
        LoadedData data = ImageFolderLoader.load(d, new int[] {4, 4}, 3, log::add, 2);
        assertThat(data.train().size()).isEqualTo(7);
        assertThat(log).anyMatch(s -> s.contains("(1 resized bilinearly)"));
        assertImage(data.train(), 0, 0); // images of the right size are untouched
    }

    @Test
    void bilinearResizeOfAConstantAndARampIsExact() {
        byte[] src = new byte[3 * 2 * 4];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 4; x++) {
                    src[c * 8 + y * 4 + x] = (byte) (c == 0 ? 77 : x * 40);
                }
            }
        }
        byte[] dst = new byte[3 * 2 * 2];
        ImageFolderLoader.resizeBilinear(src, 3, 2, 4, dst, 0, 2, 2);
        // 4 -> 2 columns: source positions 0.5 and 2.5 → (0+40)/2 = 20 and (80+120)/2 = 100
        assertThat(dst[0] & 0xFF).isEqualTo(77);
        assertThat(dst[4] & 0xFF).isEqualTo(20);
        assertThat(dst[5] & 0xFF).isEqualTo(100);
        assertThat(dst[6] & 0xFF).isEqualTo(20);
    }

    @Test
    void anUnreadableImageIsNamed() throws IOException {
        Path d = folder(4, 4);
        Path bad = d.resolve("test/bee/broken.jpg");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5});
        assertThatThrownBy(() -> ImageFolderLoader.load(d, null, 3, s -> { }, 2))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("cannot read image " + bad)
                .hasMessageNotContaining("\n");
    }

    @Test
    void layoutProblemsAreUserErrors() throws IOException {
        assertThatThrownBy(() -> ImageFolderLoader.load(tmp.resolve("nothing"), null, 3, s -> { }, 1))
                .isInstanceOf(UserError.class).hasMessageContaining("must contain train/<class>/ and test/<class>/");
        Path d = folder(4, 4);
        png(d.resolve("test/dog/z.png"), 3, 4, 4);
        assertThatThrownBy(() -> ImageFolderLoader.load(d, null, 3, s -> { }, 1))
                .isInstanceOf(UserError.class).hasMessageContaining("is a class that train/ does not have");
    }

    /** A real 2x2 PNG whose header then says {@code w x h} (the IHDR chunk rewritten, its CRC fixed). */
    static byte[] pngDeclaring(int w, int h) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", b);
        byte[] png = b.toByteArray();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(png);
        buf.putInt(16, w).putInt(20, h);              // 8 signature + 4 length + 4 "IHDR"
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);                       // "IHDR" + 13 data bytes
        buf.putInt(29, (int) crc.getValue());
        return png;
    }

    @Test
    void anImageDeclaringHugeDimensionsIsRefusedBeforeItsPixelsAreAllocated() throws IOException {
        Path f = tmp.resolve("huge.png");
        Files.write(f, pngDeclaring(30000, 30000));
        assertThatThrownBy(() -> ImageFolderLoader.decode(f)).isInstanceOf(UserError.class)
                .hasMessage("image " + f + " declares 30000x30000 pixels (width x height), more than the "
                        + ImageFolderLoader.MAX_PIXELS + " an image may have here; fix or remove it");
        Files.write(f, pngDeclaring(3, 2));
        assertThatThrownBy(() -> ImageFolderLoader.decode(f)).isInstanceOf(UserError.class)
                .hasMessageStartingWith("cannot read image " + f);
    }
}
