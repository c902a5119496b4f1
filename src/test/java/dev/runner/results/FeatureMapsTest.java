package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureMapsTest {
    @TempDir
    Path tmp;

    /** A 3x32x32 picture: sky gradient, a red disc, a dark ground. */
    static float[] picture(int shift) {
        float[] img = new float[3 * 32 * 32];
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                double d = Math.hypot(x - 12 - shift, y - 13);
                float r = y > 24 ? 0.25f : d < 7 ? 0.9f : 0.45f + y / 80f;
                float g = y > 24 ? 0.35f : d < 7 ? 0.15f : 0.6f + y / 90f;
                float b = y > 24 ? 0.15f : d < 7 ? 0.1f : 0.9f;
                img[y * 32 + x] = r;
                img[1024 + y * 32 + x] = g;
                img[2048 + y * 32 + x] = b;
            }
        }
        return img;
    }

    /** A 5x5 valid convolution of the picture with random filters + ReLU: realistic conv1 maps (c x 28 x 28). */
    static float[][] conv(float[] img, int channels, long seed) {
        Random r = new Random(seed);
        float[][] out = new float[channels][28 * 28];
        for (int k = 0; k < channels; k++) {
            double[] wgt = new double[3 * 25];
            for (int i = 0; i < wgt.length; i++) {
                wgt[i] = r.nextGaussian();
            }
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double s = 0;
                    for (int c = 0; c < 3; c++) {
                        for (int dy = 0; dy < 5; dy++) {
                            for (int dx = 0; dx < 5; dx++) {
                                s += wgt[c * 25 + dy * 5 + dx] * img[c * 1024 + (y + dy) * 32 + x + dx];
                            }
                        }
                    }
                    out[k][y * 28 + x] = (float) Math.max(0, s);
                }
            }
        }
        return out;
    }

    @Test
    void realisticConv1GridHasOneCellPerChannel() throws Exception {
        List<FeatureMaps.Sample> samples = List.of(
                new FeatureMaps.Sample(0, picture(0), 3, 32, 32, conv(picture(0), 6, 1), 28, 28),
                new FeatureMaps.Sample(7, picture(6), 3, 32, 32, conv(picture(6), 6, 1), 28, 28));
        Path png = PngAssert.outDir(tmp).resolve("feature_maps_conv1.png");
        FeatureMaps.Layout layout = FeatureMaps.grid(png, "origin", "conv1", samples);
        BufferedImage img = PngAssert.assertChart(png, layout.width(), layout.height());
        assertThat(layout.columns()).isEqualTo(3);
        assertThat(layout.rows()).isEqualTo(2);
        assertThat(layout.scale()).isEqualTo(3);
        for (int i = 0; i < 2; i++) {
            assertThat(countCells(img, layout, i)).isEqualTo(6);
        }
        // the input image is drawn: the red disc's centre
        Rectangle in = layout.inputs().get(0);
        int rgb = img.getRGB(in.x + 12 * in.width / 32 + 2, in.y + 13 * in.height / 32 + 2);
        assertThat(PngAssert.close(rgb, 0xe6261a, 2)).as("disc colour %06x", rgb & 0xffffff).isTrue();
    }

    @Test
    void eachChannelIsNormalisedOnItsOwn() throws Exception {
        int c = 16;
        int mh = 10;
        int mw = 10;
        float[][] maps = new float[c][mh * mw];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < mh; y++) {
                for (int x = 0; x < mw; x++) {
                    // left half low, right half high; scale and offset differ per channel; channel 5 is constant
                    maps[k][y * mw + x] = k == 5 ? 3f : k * 100f + (x < mw / 2 ? 0 : (k + 1) * 0.5f);
                }
            }
        }
        float[] grey = new float[28 * 28];
        java.util.Arrays.fill(grey, 0.5f);
        Path png = tmp.resolve("feature_maps_conv2.png");
        FeatureMaps.Layout layout = FeatureMaps.grid(png, "origin", "conv2", grey, 1, 28, 28, maps, mh, mw);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(layout.width());
        assertThat(layout.columns()).isEqualTo(4);
        assertThat(layout.scale()).isEqualTo(10);
        assertThat(countCells(img, layout, 0)).isEqualTo(16);
        int low = FeatureMaps.viridis(0);
        int high = FeatureMaps.viridis(1);
        for (int k = 0; k < c; k++) {
            Rectangle r = layout.cells().get(0).get(k);
            assertThat(r.width).isEqualTo(100);
            int left = img.getRGB(r.x + r.width / 4, r.y + r.height / 2) & 0xffffff;
            int right = img.getRGB(r.x + 3 * r.width / 4, r.y + r.height / 2) & 0xffffff;
            assertThat(left).as("channel %d left", k).isEqualTo(low);
            assertThat(right).as("channel %d right", k).isEqualTo(k == 5 ? low : high);
        }
        Rectangle in = layout.inputs().get(0);
        assertThat(img.getRGB(in.x + 5, in.y + 5) & 0xffffff).isEqualTo(0x808080);
    }

    @Test
    void badShapesAreRejected() {
        assertThatThrownBy(() -> new FeatureMaps.Sample(0, new float[10], 3, 32, 32, new float[1][4], 2, 2))
                .hasMessageContaining("expected 3x32x32");
        assertThatThrownBy(() -> new FeatureMaps.Sample(0, new float[3 * 4], 3, 2, 2, new float[][]{new float[3]},
                2, 2)).hasMessageContaining("channel 0 has 3 values");
    }

    /**
     * Counts the cells of sample {@code i} by scanning, along the middle of each grid row, for runs of
     * non-white pixels right of the input image (cells are separated by white gaps).
     */
    static int countCells(BufferedImage img, FeatureMaps.Layout layout, int i) {
        Rectangle in = layout.inputs().get(i);
        List<Rectangle> cells = layout.cells().get(i);
        int startX = in.x + in.width + 1;
        int count = 0;
        java.util.Set<Integer> rowsY = new java.util.TreeSet<>();
        for (Rectangle r : cells) {
            rowsY.add(r.y + r.height / 2);
        }
        for (int y : rowsY) {
            boolean inside = false;
            for (int x = startX; x < img.getWidth(); x++) {
                boolean ink = (img.getRGB(x, y) & 0xffffff) != 0xffffff;
                if (ink && !inside) {
                    count++;
                }
                inside = ink;
            }
        }
        return count;
    }
}
