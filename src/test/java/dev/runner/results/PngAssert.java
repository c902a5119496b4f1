package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import javax.imageio.ImageIO;

public final class PngAssert {
    private PngAssert() {
    }

    /** Decodes {@code png}, checks its size, and that it is not blank: many colours, a real share of ink. */
    public static BufferedImage assertChart(Path png, int width, int height) throws IOException {
        BufferedImage img = assertPicture(png, 20, 1.0 / 50);
        assertThat(img.getWidth()).isEqualTo(width);
        assertThat(img.getHeight()).isEqualTo(height);
        return img;
    }

    /**
     * Decodes {@code png} and checks it is a real picture: more than {@code minColours} distinct colours and more
     * than {@code minInk} of its pixels not white.
     */
    public static BufferedImage assertPicture(Path png, int minColours, double minInk) throws IOException {
        assertThat(png).isRegularFile();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as("decodes: %s", png).isNotNull();
        Set<Integer> colours = new HashSet<>();
        long ink = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    ink++;
                }
            }
        }
        assertThat(colours.size()).as("distinct colours in %s", png).isGreaterThan(minColours);
        assertThat(ink).as("non-white pixels in %s", png)
                .isGreaterThan((long) (img.getWidth() * (long) img.getHeight() * minInk));
        return img;
    }

    /** Number of pixels within {@code tol} (per channel) of {@code rgb}. */
    public static long count(BufferedImage img, int rgb, int tol) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (close(img.getRGB(x, y), rgb, tol)) {
                    n++;
                }
            }
        }
        return n;
    }

    public static boolean close(int a, int b, int tol) {
        return Math.abs(((a >> 16) & 255) - ((b >> 16) & 255)) <= tol
                && Math.abs(((a >> 8) & 255) - ((b >> 8) & 255)) <= tol
                && Math.abs((a & 255) - (b & 255)) <= tol;
    }

    /** Where generated charts go: a kept directory with -Drunner.charts.out=DIR (to look at them), else tmp. */
    public static Path outDir(Path tmp) throws IOException {
        String keep = System.getProperty("runner.charts.out");
        if (keep == null || keep.isBlank()) {
            return tmp;
        }
        return Files.createDirectories(Path.of(keep));
    }
}
