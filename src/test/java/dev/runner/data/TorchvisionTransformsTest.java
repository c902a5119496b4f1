package dev.runner.data;

import dev.runner.spec.TransformSpec;
import dev.runner.spec.TransformSpec.ColorJitter;
import dev.runner.spec.TransformSpec.HorizontalFlip;
import dev.runner.spec.TransformSpec.Normalize;
import dev.runner.spec.TransformSpec.Pad;
import dev.runner.spec.TransformSpec.RandomAffine;
import dev.runner.spec.TransformSpec.RandomCrop;
import dev.runner.spec.TransformSpec.RandomErasing;
import dev.runner.spec.TransformSpec.RandomResizedCrop;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Colour jitter, random resized crop, rotation / affine and erasing against hand-computed cases. */
class TorchvisionTransformsTest {
    static final double EPS = 1e-6;

    static float[] run(List<TransformSpec> steps, Normalize norm, byte[] img, int c, int h, int w, long seed) {
        Augmenter a = Augmenter.training(steps, norm, c, h, w);
        float[] out = new float[a.outputFloats()];
        a.apply(img, 0, 0, new SplittableRandom(seed), out, 0, false, a.newScratch());
        return out;
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static double[] r(double lo, double hi) {
        return new double[] {lo, hi};
    }

    // ---------------------------------------------------------------- color_jitter

    @Test
    void brightnessMultipliesAndClamps() {
        float[] out = run(List.of(new ColorJitter(r(2, 2), null, null, null)), null, bytes(0, 51, 100, 200), 1, 2, 2, 1);
        assertThat(out[0]).isEqualTo(0f);
        assertThat((double) out[1]).isCloseTo(2 * 51 / 255.0, within(EPS));
        assertThat((double) out[2]).isCloseTo(200 / 255.0, within(EPS));
        assertThat(out[3]).isEqualTo(1f);   // 2 * 200/255 > 1
    }

    @Test
    void contrastBlendsWithTheMeanGrey() {
        // grey image: its own mean; 0.5 * x + 0.5 * mean
        float[] grey = run(List.of(new ColorJitter(null, r(0.5, 0.5), null, null)), null, bytes(0, 255), 1, 1, 2, 1);
        assertThat((double) grey[0]).isCloseTo(0.25, within(EPS));
        assertThat((double) grey[1]).isCloseTo(0.75, within(EPS));
        // RGB: the mean of 0.2989 R + 0.587 G + 0.114 B; factor 0 gives that mean everywhere
        byte[] rgb = bytes(255, 0, /* G */ 0, 255, /* B */ 0, 0);   // pixel 0 red, pixel 1 green
        float[] out = run(List.of(new ColorJitter(null, r(0, 0), null, null)), null, rgb, 3, 1, 2, 1);
        double mean = (0.2989 + 0.587) / 2;
        for (float v : out) {
            assertThat((double) v).isCloseTo(mean, within(EPS));
        }
    }

    @Test
    void saturationZeroGivesEachPixelsGreyAndLeavesGreyImagesAlone() {
        byte[] rgb = bytes(255, 0, 0, 255, 0, 51);   // pixel 0 (255, 0, 0), pixel 1 (0, 255, 51)
        float[] out = run(List.of(new ColorJitter(null, null, r(0, 0), null)), null, rgb, 3, 1, 2, 1);
        double g0 = 0.2989;
        double g1 = 0.587 + 0.114 * 0.2;
        assertThat(new double[] {out[0], out[2], out[4]}).containsExactly(new double[] {g0, g0, g0}, within(EPS));
        assertThat(new double[] {out[1], out[3], out[5]}).containsExactly(new double[] {g1, g1, g1}, within(EPS));
        float[] grey = run(List.of(new ColorJitter(null, null, r(0, 0), r(0.3, 0.3))), null, bytes(10, 250), 1, 1, 2, 1);
        assertThat((double) grey[0]).isCloseTo(10 / 255.0, within(EPS));
        assertThat((double) grey[1]).isCloseTo(250 / 255.0, within(EPS));
    }

    @Test
    void hueTurnsRedIntoGreenAndCyan() {
        byte[] red = bytes(255, 0, 0);
        float[] third = run(List.of(new ColorJitter(null, null, null, r(1.0 / 3, 1.0 / 3))), null, red, 3, 1, 1, 1);
        assertThat(new double[] {third[0], third[1], third[2]}).containsExactly(new double[] {0, 1, 0}, within(1e-5));
        float[] half = run(List.of(new ColorJitter(null, null, null, r(-0.5, -0.5))), null, red, 3, 1, 1, 1);
        assertThat(new double[] {half[0], half[1], half[2]}).containsExactly(new double[] {0, 1, 1}, within(1e-5));
        // (200, 100, 50): H = 20 deg, S = 0.75, V = 200/255; +1/6 turn gives H = 80 deg: (150, 200, 50)
        float[] orange = run(List.of(new ColorJitter(null, null, null, r(1.0 / 6, 1.0 / 6))), null,
                bytes(200, 100, 50), 3, 1, 1, 1);
        assertThat(new double[] {orange[0], orange[1], orange[2]})
                .containsExactly(new double[] {150 / 255.0, 200 / 255.0, 50 / 255.0}, within(1e-5));
    }

    @Test
    void jitterFactorsAndOrderComeFromTheSeed() {
        byte[] img = AugmenterTest.image(3, 6, 6, 5);
        List<TransformSpec> steps = List.of(new ColorJitter(r(0.6, 1.4), r(0.6, 1.4), r(0.6, 1.4), r(-0.1, 0.1)));
        float[] a = run(steps, null, img, 3, 6, 6, 42);
        assertThat(run(steps, null, img, 3, 6, 6, 42)).containsExactly(a);
        assertThat(run(steps, null, img, 3, 6, 6, 43)).isNotEqualTo(a);
        // brightness alone with the drawn factor: permutation (3 ints), then one double
        SplittableRandom rng = new SplittableRandom(9);
        rng.nextInt(4);
        rng.nextInt(3);
        rng.nextInt(2);
        double f = 0.5 + 1.0 * rng.nextDouble();
        float[] b = run(List.of(new ColorJitter(r(0.5, 1.5), null, null, null)), null, bytes(100), 1, 1, 1, 9);
        assertThat((double) b[0]).isCloseTo(Math.min(1, f * 100 / 255.0), within(EPS));
    }

    // ---------------------------------------------------------------- random_resized_crop

    @Test
    void resizedCropOfTheWholeImageShrinksWithPilsAntialiasWeights() {
        // scale [1, 1], ratio [1, 1]: the whole 4x4 image, resized to 2x2. Shrinking by 2: a triangle of support 2;
        // output 0 reads inputs 0, 1, 2 with weights 0.75, 0.75, 0.25 (normalised: 3/7, 3/7, 1/7)
        byte[] ramp = new byte[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                ramp[y * 4 + x] = (byte) (10 * x);
            }
        }
        float[] out = run(List.of(new RandomResizedCrop(2, 2, r(1, 1), r(1, 1), "bilinear")), null, ramp, 1, 4, 4, 3);
        double o0 = (3 * 0 + 3 * 10 + 20) / 7.0 / 255;
        double o1 = (10 + 3 * 20 + 3 * 30) / 7.0 / 255;
        assertThat(new double[] {out[0], out[1], out[2], out[3]})
                .containsExactly(new double[] {o0, o1, o0, o1}, within(EPS));
        int[] nearest = asBytes(run(List.of(new RandomResizedCrop(4, 4, r(1, 1), r(1, 1), "nearest")), null,
                bytes(1, 2, 3, 4), 1, 2, 2, 3));
        assertThat(nearest).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
    }

    @Test
    void resizedCropParametersFollowTorchvision() {
        double[] ratio = {2, 2};
        double[] logRatio = {Math.log(2), Math.log(2)};
        // area 16 x ratio 2: width round(sqrt(32)) = 6 > 4 in every try: the fallback, the centre crop of ratio 2
        assertThat(ResizedCropOp.crop(4, 4, r(1, 1), logRatio, ratio, new SplittableRandom(1)))
                .containsExactly(1, 0, 2, 4);
        // a try that fits: area 0.25 x 64 = 16, ratio 1: 4x4 at uniform offsets
        SplittableRandom replay = new SplittableRandom(5);
        replay.nextDouble();
        replay.nextDouble();
        int top = replay.nextInt(5);
        int left = replay.nextInt(5);
        assertThat(ResizedCropOp.crop(8, 8, r(0.25, 0.25), new double[] {0, 0}, r(1, 1), new SplittableRandom(5)))
                .containsExactly(top, left, 4, 4);
        float[] image = new float[64];
        for (int i = 0; i < 64; i++) {
            image[i] = i;
        }
        float[] out = new float[16];
        ResizedCropOp.resize(image, 1, 8, 8, top, left, 4, 4, out, 4, 4, true, new float[64]);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertThat(out[y * 4 + x]).isEqualTo((float) ((top + y) * 8 + left + x)); // same size: a copy
            }
        }
    }

    // ---------------------------------------------------------------- random_rotation, random_affine

    static RandomAffine rotation(double deg, String interpolation, double fill) {
        return new RandomAffine(r(deg, deg), null, null, null, interpolation, new double[] {fill}, true);
    }

    static RandomAffine affine(double deg, double[] translate, double[] scale, double[] shear, String interpolation,
                               double fill) {
        return new RandomAffine(r(deg, deg), translate, scale, shear, interpolation, new double[] {fill}, false);
    }

    static byte[] indexImage(int h, int w) {
        byte[] b = new byte[h * w];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i + 1);
        }
        return b;
    }

    static int[] asBytes(float[] v) {
        return Arrays.stream(toDoubles(v)).mapToInt(x -> (int) Math.round(x * 255)).toArray();
    }

    static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void rotationByNinetyDegreesTurnsThePictureCounterClockwise() {
        // 1 2 3 / 4 5 6 / 7 8 9 turned a quarter counter-clockwise: 3 6 9 / 2 5 8 / 1 4 7 (torch.rot90)
        assertThat(asBytes(run(List.of(rotation(90, "nearest", 0)), null, indexImage(3, 3), 1, 3, 3, 1)))
                .containsExactly(3, 6, 9, 2, 5, 8, 1, 4, 7);
        assertThat(asBytes(run(List.of(rotation(-90, "bilinear", 0)), null, indexImage(4, 4), 1, 4, 4, 1)))
                .containsExactly(13, 9, 5, 1, 14, 10, 6, 2, 15, 11, 7, 3, 16, 12, 8, 4);
        // random_affine's angle is clockwise: affine(90) = rotation(-90)
        assertThat(run(List.of(affine(90, null, null, null, "nearest", 0)), null, indexImage(4, 4), 1, 4, 4, 1))
                .containsExactly(run(List.of(rotation(-90, "nearest", 0)), null, indexImage(4, 4), 1, 4, 4, 1));
        // 45 degrees on 3x3, nearest: corner (0, 0) reads (x, y) = (1, -0.41) -> (1, 0), the top middle
        int[] r45 = asBytes(run(List.of(rotation(45, "nearest", 200)), null, indexImage(3, 3), 1, 3, 3, 1));
        assertThat(new int[] {r45[0], r45[2], r45[4], r45[6], r45[8]}).containsExactly(2, 6, 5, 4, 8);
        // on 4x4, corner (0, 0) reads (1.5, -0.62) -> row -1: outside, the fill
        int[] r45b = asBytes(run(List.of(rotation(45, "nearest", 200)), null, indexImage(4, 4), 1, 4, 4, 1));
        assertThat(new int[] {r45b[0], r45b[3], r45b[12], r45b[15]}).containsOnly(200);
    }

    @Test
    void affineScaleTranslateAndShear() {
        // scale 2 about the centre of 4 columns: sources 0.75, 1.25, 1.75, 2.25 -> nearest 1, 1, 2, 2
        int[] zoom = asBytes(run(List.of(affine(0, null, r(2, 2), null, "nearest", 0)), null, indexImage(4, 4), 1, 4,
                4, 1));
        assertThat(zoom).containsExactly(6, 6, 7, 7, 6, 6, 7, 7, 10, 10, 11, 11, 10, 10, 11, 11);
        // translate up to 0.25 x 4 = 1 pixel: the drawn shift, rounded, moves the picture right by tx
        for (long seed = 0; seed < 20; seed++) {
            SplittableRandom replay = new SplittableRandom(seed);
            replay.nextDouble(); // the angle
            int tx = (int) Math.rint(-1 + 2 * replay.nextDouble());
            int[] moved = asBytes(run(List.of(affine(0, r(0.25, 0), null, null, "nearest", 0)), null,
                    indexImage(1, 4), 1, 1, 4, seed));
            for (int x = 0; x < 4; x++) {
                int src = x - tx;
                assertThat(moved[x]).isEqualTo(src >= 0 && src < 4 ? src + 1 : 0);
            }
        }
        // shear x by 45 degrees: the forward map is [[1, -tan 45], [0, 1]], its inverse [[1, 1], [0, 1]]
        double[] m = AffineOp.inverseMatrix(0, 0, 0, 1, 45, 0);
        assertThat(m).containsExactly(new double[] {1, 1, 0, 0, 1, 0}, within(1e-12));
        double[] rot = AffineOp.inverseMatrix(30, 2, -1, 2, 0, 0);
        // inverse of scale 2 rotation 30, then undoing the shift
        double c = Math.cos(Math.toRadians(30)) / 2;
        double s = Math.sin(Math.toRadians(30)) / 2;
        assertThat(rot).containsExactly(new double[] {c, s, -2 * c + s, -s, c, 2 * s + c}, within(1e-12));
    }

    @Test
    void bilinearFillGoesThroughTheSampledMaskAsTorchvision() {
        // scale 0.8 of a white 4x4: output (1, 0) reads x = -0.375: 0.625 of pixel 0, 0.375 outside.
        // torchvision: sample(img) * mask + (1 - mask) * fill = 0.625 * 0.625 + 0.375 * fill
        byte[] white = new byte[16];
        Arrays.fill(white, (byte) 255);
        float[] out = run(List.of(affine(0, null, r(0.8, 0.8), null, "bilinear", 51)), null, white, 1, 4, 4, 1);
        assertThat((double) out[4]).isCloseTo(0.625 * 0.625 + 0.375 * 0.2, within(1e-6));
        assertThat((double) out[5]).isCloseTo(1.0, within(1e-6));
    }

    // ---------------------------------------------------------------- random_erasing

    @Test
    void erasingSetsARectangleOfTheNormalisedImage() {
        Normalize norm = new Normalize(new double[] {0.5}, new double[] {0.25});
        byte[] img = indexImage(4, 4);
        for (long seed = 0; seed < 10; seed++) {
            // p 1, area 0.25 x 16 = 4, ratio 1: a 2x2 square at (top, left)
            SplittableRandom replay = new SplittableRandom(seed);
            replay.nextDouble();
            replay.nextDouble();
            replay.nextDouble();
            int top = replay.nextInt(3);
            int left = replay.nextInt(3);
            float[] out = run(List.of(new RandomErasing(1, r(0.25, 0.25), r(1, 1), new double[] {-7})), norm, img, 1,
                    4, 4, seed);
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    boolean in = y >= top && y < top + 2 && x >= left && x < left + 2;
                    float normalised = ((y * 4 + x + 1) / 255f - 0.5f) / 0.25f;
                    assertThat(out[y * 4 + x]).isEqualTo(in ? -7f : normalised);
                }
            }
        }
        // a rectangle as large as the image never fits: nothing erased; p 0: nothing erased
        float[] plain = run(List.of(), norm, img, 1, 4, 4, 1);
        assertThat(run(List.of(new RandomErasing(1, r(1, 1), r(1, 1), new double[] {0})), norm, img, 1, 4, 4, 1))
                .containsExactly(plain);
        assertThat(run(List.of(new RandomErasing(0, r(0.25, 0.25), r(1, 1), new double[] {0})), norm, img, 1, 4, 4, 1))
                .containsExactly(plain);
        // random: standard normal noise, reproducible
        List<TransformSpec> noise = List.of(new RandomErasing(1, r(0.25, 0.25), r(2, 2), null));
        float[] n1 = run(noise, norm, img, 1, 4, 4, 8);
        assertThat(run(noise, norm, img, 1, 4, 4, 8)).containsExactly(n1);
        int changed = 0;
        for (int i = 0; i < 16; i++) {
            if (n1[i] != plain[i]) {
                changed++;
            }
        }
        assertThat(changed).isEqualTo(3); // area 4, ratio 2: h = round(sqrt(8)) = 3, w = round(sqrt(2)) = 1
    }

    // ---------------------------------------------------------------- the pipeline

    @Test
    void aMixedPipelineIsReproducibleBySeedInBothLayouts() {
        List<TransformSpec> steps = List.of(new Pad(2, "reflect"), new RandomCrop(8),
                new RandomResizedCrop(6, 6, r(0.3, 1), r(0.75, 4.0 / 3), "bilinear"), new HorizontalFlip(0.5),
                new ColorJitter(r(0.6, 1.4), r(0.6, 1.4), r(0.6, 1.4), r(-0.1, 0.1)),
                new RandomAffine(r(-20, 20), r(0.1, 0.1), r(0.9, 1.1), r(-5, 5), "bilinear", new double[] {0}, false),
                new RandomErasing(0.7, r(0.02, 0.33), r(0.3, 3.3), null));
        Normalize norm = new Normalize(new double[] {0.4, 0.5, 0.6}, new double[] {0.2, 0.25, 0.3});
        byte[] img = AugmenterTest.image(3, 8, 8, 11);
        Augmenter a = Augmenter.training(steps, norm, 3, 8, 8);
        assertThat(a.outH).isEqualTo(6);
        float[] chw = run(steps, norm, img, 3, 8, 8, 77);
        assertThat(run(steps, norm, img, 3, 8, 8, 77)).containsExactly(chw);
        assertThat(run(steps, norm, img, 3, 8, 8, 78)).isNotEqualTo(chw);
        float[] hwc = new float[a.outputFloats()];
        a.apply(img, 0, 0, new SplittableRandom(77), hwc, 0, true, a.newScratch());
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 36; p++) {
                assertThat(hwc[p * 3 + c]).isEqualTo(chw[c * 36 + p]);
            }
        }
    }

    @Test
    void indexMapsReadFloatsAsTheyReadBytes() {
        List<TransformSpec> steps = List.of(new Pad(3, "zero"), new RandomCrop(5), new HorizontalFlip(0.5),
                new TransformSpec.Cutout(3));
        IndexMap m = new IndexMap(steps, 0, 2, 5, 5);
        byte[] img = AugmenterTest.image(2, 5, 5, 3);
        float[] floats = new float[50];
        for (int i = 0; i < 50; i++) {
            floats[i] = (img[i] & 0xFF) / 255f;
        }
        float[][] toTensor = Augmenter.lookupTables(null, 2);
        for (long seed = 0; seed < 20; seed++) {
            float[] a = new float[50];
            float[] b = new float[50];
            m.apply(img, 0, toTensor, new SplittableRandom(seed), a, 0, false, m.newScratch());
            m.apply(floats, new SplittableRandom(seed), b, m.newScratch());
            assertThat(b).containsExactly(a);
        }
    }
}
