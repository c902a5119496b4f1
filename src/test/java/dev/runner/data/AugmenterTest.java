package dev.runner.data;

import dev.runner.UserError;
import dev.runner.spec.TransformSpec;
import dev.runner.spec.TransformSpec.Cutout;
import dev.runner.spec.TransformSpec.HorizontalFlip;
import dev.runner.spec.TransformSpec.Normalize;
import dev.runner.spec.TransformSpec.Pad;
import dev.runner.spec.TransformSpec.RandomCrop;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AugmenterTest {

    static byte[] image(int c, int h, int w, long seed) {
        byte[] b = new byte[c * h * w];
        new Random(seed).nextBytes(b);
        return b;
    }

    static float[] run(Augmenter a, byte[] img, long seed, boolean nhwc) {
        float[] out = new float[a.outputFloats()];
        a.apply(img, 0, 0, new SplittableRandom(seed), out, 0, nhwc, a.newScratch());
        return out;
    }

    @Test
    void padThenCropMovesAKnownPixelByTheDrawnOffset() {
        byte[] img = new byte[3 * 8 * 8];
        img[(1 * 8 + 2) * 8 + 5] = (byte) 200;      // channel 1, row 2, column 5
        Augmenter a = Augmenter.training(List.of(new Pad(4, "zero"), new RandomCrop(8)), null, 3, 8, 8);
        int seen = 0;
        for (long seed = 0; seed < 60; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int oy = r.nextInt(17 - 8);   // offsets uniform in [0, 16 - 8]
            int ox = r.nextInt(17 - 8);
            int ty = 2 + 4 - oy;
            int tx = 5 + 4 - ox;
            float[] out = run(a, img, seed, false);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        float expected = c == 1 && y == ty && x == tx ? 200f / 255f : 0f;
                        assertThat(out[(c * 8 + y) * 8 + x]).as("seed %d c %d y %d x %d", seed, c, y, x)
                                .isEqualTo(expected);
                    }
                }
            }
            if (ty >= 0 && ty < 8 && tx >= 0 && tx < 8) {
                seen++;
            }
        }
        assertThat(seen).isGreaterThan(10); // the pixel was inside the crop in many draws
    }

    @Test
    void cropOffsetsCoverTheWholeRange() {
        // a 1-pixel marker on a 1x1 image padded by 2 to 5x5 and cropped to 1x1: the output is the marker exactly
        // when both offsets are 2; over many draws every offset 0..4 must occur
        byte[] img = {(byte) 255};
        Augmenter a = Augmenter.training(List.of(new Pad(2, "zero"), new RandomCrop(1)), null, 1, 1, 1);
        int hits = 0;
        int n = 2000;
        for (long seed = 0; seed < n; seed++) {
            if (run(a, img, seed, false)[0] == 1f) {
                hits++;
            }
        }
        assertThat(hits / (double) n).isCloseTo(1 / 25.0, within(0.02));
    }

    @Test
    void flipMirrorsAndPZeroKeeps() {
        byte[] img = image(3, 4, 5, 1);
        float[] flipped = run(Augmenter.training(List.of(new HorizontalFlip(1.0)), null, 3, 4, 5), img, 3, false);
        float[] kept = run(Augmenter.training(List.of(new HorizontalFlip(0.0)), null, 3, 4, 5), img, 3, false);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    float v = (img[(c * 4 + y) * 5 + x] & 0xFF) / 255f;
                    assertThat(flipped[(c * 4 + y) * 5 + (4 - x)]).isEqualTo(v);
                    assertThat(kept[(c * 4 + y) * 5 + x]).isEqualTo(v);
                }
            }
        }
    }

    @Test
    void flipHappensWithProbabilityP() {
        byte[] img = {0, (byte) 255};
        Augmenter a = Augmenter.training(List.of(new HorizontalFlip(0.3)), null, 1, 1, 2);
        int flips = 0;
        for (long seed = 0; seed < 4000; seed++) {
            if (run(a, img, seed, false)[0] == 1f) {
                flips++;
            }
        }
        assertThat(flips / 4000.0).isCloseTo(0.3, within(0.03));
    }

    @Test
    void reflectPaddingMirrorsWithoutRepeatingTheEdge() {
        byte[] img = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        Augmenter a = Augmenter.training(List.of(new Pad(1, "reflect"), new RandomCrop(5)), null, 1, 3, 3);
        int[][] expected = {
                {5, 4, 5, 6, 5},
                {2, 1, 2, 3, 2},
                {5, 4, 5, 6, 5},
                {8, 7, 8, 9, 8},
                {5, 4, 5, 6, 5}};
        float[] out = run(a, img, 11, false);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                assertThat(out[y * 5 + x]).isEqualTo(expected[y][x] / 255f);
            }
        }
    }

    @Test
    void normalizeIsToTensorThenNormalize() {
        double[] mean = {0.4914, 0.4822, 0.4465};
        double[] std = {0.2470, 0.2435, 0.2616};
        byte[] img = new byte[3 * 256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                img[c * 256 + v] = (byte) v;
            }
        }
        Augmenter a = Augmenter.evaluation(new Normalize(mean, std), 3, 16, 16);
        float[] out = run(a, img, 0, false);
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                double expected = (v / 255.0 - mean[c]) / std[c];
                assertThat((double) out[c * 256 + v]).isCloseTo(expected, within(1e-5));
                // bit-exact float32 arithmetic, as torch: (x/255f - mean) / std
                assertThat(out[c * 256 + v]).isEqualTo((v / 255f - (float) mean[c]) / (float) std[c]);
            }
        }
    }

    @Test
    void cutoutZeroesASquareCentredAtTheDrawnPoint() {
        int h = 10;
        int w = 10;
        byte[] img = new byte[3 * h * w];
        java.util.Arrays.fill(img, (byte) 255);
        Augmenter a = Augmenter.training(List.of(new Cutout(4)),
                new Normalize(new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5}), 3, h, w);
        int clipped = 0;
        for (long seed = 0; seed < 40; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int cy = r.nextInt(h);
            int cx = r.nextInt(w);
            int y0 = Math.max(0, cy - 2);
            int y1 = Math.min(h, cy + 2);
            int x0 = Math.max(0, cx - 2);
            int x1 = Math.min(w, cx + 2);
            if ((y1 - y0) * (x1 - x0) < 16) {
                clipped++;
            }
            float[] out = run(a, img, seed, false);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean in = y >= y0 && y < y1 && x >= x0 && x < x1;
                        // a zeroed pixel is byte 0 before normalize: (0 - 0.5) / 0.5 = -1
                        assertThat(out[(c * h + y) * w + x]).isEqualTo(in ? -1f : 1f);
                    }
                }
            }
        }
        assertThat(clipped).isGreaterThan(0);
    }

    @Test
    void fusedPassMatchesAStepByStepReference() {
        Normalize norm = new Normalize(new double[] {0.1, 0.2, 0.3}, new double[] {0.9, 0.8, 0.7});
        List<List<TransformSpec>> pipelines = List.of(
                List.of(new Pad(4, "zero"), new RandomCrop(7), new HorizontalFlip(0.5)),
                List.of(new Pad(2, "reflect"), new RandomCrop(5), new HorizontalFlip(0.5), new Cutout(3)),
                List.of(new Cutout(2), new Pad(3, "reflect"), new HorizontalFlip(0.5), new RandomCrop(6),
                        new Cutout(4)),
                List.of(new HorizontalFlip(0.5), new Cutout(5), new Pad(1, "zero"), new RandomCrop(4)));
        for (List<TransformSpec> steps : pipelines) {
            Augmenter a = Augmenter.training(steps, norm, 3, 6, 7);
            for (long seed = 0; seed < 40; seed++) {
                byte[] img = image(3, 6, 7, seed);
                float[][][] ref = Reference.apply(img, 3, 6, 7, steps, norm, new SplittableRandom(seed));
                int oh = ref[0].length;
                int ow = ref[0][0].length;
                assertThat(a.outH).isEqualTo(oh);
                assertThat(a.outW).isEqualTo(ow);
                float[] chw = run(a, img, seed, false);
                float[] hwc = run(a, img, seed, true);
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < oh; y++) {
                        for (int x = 0; x < ow; x++) {
                            assertThat(chw[(c * oh + y) * ow + x]).as("%s seed %d", steps, seed)
                                    .isEqualTo(ref[c][y][x]);
                            assertThat(hwc[(y * ow + x) * 3 + c]).isEqualTo(ref[c][y][x]);
                        }
                    }
                }
            }
        }
    }

    @Test
    void nhwcWithOtherChannelCountsIsTheSamePixelsInterleaved() {
        Normalize norm = new Normalize(new double[] {0.3}, new double[] {0.6});   // one value for all channels
        for (int ch : new int[] {1, 2, 4}) {
            Augmenter a = Augmenter.training(List.of(new Pad(2, "reflect"), new RandomCrop(5),
                    new HorizontalFlip(0.5), new Cutout(2)), norm, ch, 5, 6);
            for (long seed = 0; seed < 10; seed++) {
                byte[] img = image(ch, 5, 6, seed);
                float[] chw = run(a, img, seed, false);
                float[] hwc = run(a, img, seed, true);
                for (int c = 0; c < ch; c++) {
                    for (int p = 0; p < 25; p++) {
                        assertThat(hwc[p * ch + c]).isEqualTo(chw[c * 25 + p]);
                    }
                }
            }
        }
    }

    @Test
    void invalidTransformsAreUserErrors() {
        assertThatThrownBy(() -> Augmenter.training(List.of(new RandomCrop(40)), null, 3, 32, 32))
                .isInstanceOf(UserError.class).hasMessageContaining("random_crop size 40 does not fit the 32x32");
        assertThatThrownBy(() -> Augmenter.training(List.of(new Pad(32, "reflect")), null, 3, 32, 32))
                .isInstanceOf(UserError.class).hasMessageContaining("reflect padding 32");
        assertThatThrownBy(() -> Augmenter.training(List.of(new Pad(2, "edge")), null, 3, 32, 32))
                .isInstanceOf(UserError.class).hasMessageContaining("zero or reflect");
        assertThatThrownBy(() -> Augmenter.training(List.of(new HorizontalFlip(1.5)), null, 3, 32, 32))
                .isInstanceOf(UserError.class).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> Augmenter.evaluation(new Normalize(new double[] {0.5}, new double[] {0.0}), 3, 4, 4))
                .isInstanceOf(UserError.class).hasMessageContaining("std values must be > 0");
        assertThatThrownBy(() -> Augmenter.evaluation(new Normalize(new double[] {0.5, 0.5},
                new double[] {1, 1}), 3, 4, 4)).isInstanceOf(UserError.class).hasMessageContaining("3 values");
    }

    /** A deliberately naive implementation: materialise the image after every step. */
    static final class Reference {
        static float[][][] apply(byte[] img, int ch, int h, int w, List<TransformSpec> steps, Normalize norm,
                                 SplittableRandom r) {
            int[][][] cur = new int[ch][h][w];
            for (int c = 0; c < ch; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        cur[c][y][x] = img[(c * h + y) * w + x] & 0xFF;
                    }
                }
            }
            for (TransformSpec t : steps) {
                int hh = cur[0].length;
                int ww = cur[0][0].length;
                if (t instanceof Pad p) {
                    int s = p.size();
                    int[][][] n = new int[ch][hh + 2 * s][ww + 2 * s];
                    for (int c = 0; c < ch; c++) {
                        for (int y = 0; y < hh + 2 * s; y++) {
                            for (int x = 0; x < ww + 2 * s; x++) {
                                int sy = y - s;
                                int sx = x - s;
                                if (p.mode().equals("reflect")) {
                                    sy = sy < 0 ? -sy : sy >= hh ? 2 * hh - 2 - sy : sy;
                                    sx = sx < 0 ? -sx : sx >= ww ? 2 * ww - 2 - sx : sx;
                                    n[c][y][x] = cur[c][sy][sx];
                                } else {
                                    n[c][y][x] = sy < 0 || sy >= hh || sx < 0 || sx >= ww ? 0 : cur[c][sy][sx];
                                }
                            }
                        }
                    }
                    cur = n;
                } else if (t instanceof RandomCrop rc) {
                    int s = rc.size();
                    int oy = r.nextInt(hh - s + 1);
                    int ox = r.nextInt(ww - s + 1);
                    int[][][] n = new int[ch][s][s];
                    for (int c = 0; c < ch; c++) {
                        for (int y = 0; y < s; y++) {
                            for (int x = 0; x < s; x++) {
                                n[c][y][x] = cur[c][y + oy][x + ox];
                            }
                        }
                    }
                    cur = n;
                } else if (t instanceof HorizontalFlip f) {
                    if (r.nextDouble() < f.p()) {
                        int[][][] n = new int[ch][hh][ww];
                        for (int c = 0; c < ch; c++) {
                            for (int y = 0; y < hh; y++) {
                                for (int x = 0; x < ww; x++) {
                                    n[c][y][x] = cur[c][y][ww - 1 - x];
                                }
                            }
                        }
                        cur = n;
                    }
                } else if (t instanceof Cutout co) {
                    int cy = r.nextInt(hh);
                    int cx = r.nextInt(ww);
                    for (int c = 0; c < ch; c++) {
                        for (int y = Math.max(0, cy - co.size() / 2); y < Math.min(hh, cy - co.size() / 2 + co.size()); y++) {
                            for (int x = Math.max(0, cx - co.size() / 2); x < Math.min(ww, cx - co.size() / 2 + co.size()); x++) {
                                cur[c][y][x] = 0;
                            }
                        }
                    }
                }
            }
            float[][][] out = new float[ch][cur[0].length][cur[0][0].length];
            for (int c = 0; c < ch; c++) {
                for (int y = 0; y < out[c].length; y++) {
                    for (int x = 0; x < out[c][y].length; x++) {
                        float v = cur[c][y][x] / 255f;
                        out[c][y][x] = (v - (float) norm.mean()[c]) / (float) norm.std()[c];
                    }
                }
            }
            return out;
        }
    }
}
