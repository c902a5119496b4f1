package dev.runner.data;

import dev.runner.spec.DataSpec;
import dev.runner.spec.TransformSpec;
import dev.runner.spec.TransformSpec.Normalize;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchesTest {
    static final List<String> CLASSES = List.of("a", "b", "c", "d");
    static final Normalize NORM = new Normalize(new double[] {0.5, 0.4, 0.3}, new double[] {0.2, 0.25, 0.3});
    static final List<TransformSpec> AUG = List.of(new TransformSpec.Pad(2, "zero"), new TransformSpec.RandomCrop(8),
            new TransformSpec.HorizontalFlip(0.5), new TransformSpec.Cutout(3));

    /** n images 3x8x8; the first byte of image i is i (unique), the rest random. */
    static ImageSet set(int n) {
        byte[] px = new byte[n * 192];
        new Random(5).nextBytes(px);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            px[i * 192] = (byte) i;
            labels[i] = i % CLASSES.size();
        }
        return new ImageSet(px, labels, 3, 8, 8, CLASSES);
    }

    static DataSpec spec(List<TransformSpec> aug, boolean shuffle, int batch) {
        return new DataSpec(new DataSpec.Cifar10(null, null), batch, 16, shuffle, aug, NORM);
    }

    record Batch(long[] shape, float[] features, float[] labels) {}

    static List<Batch> drain(EpochIterator it) {
        List<Batch> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet ds = it.next();
            out.add(new Batch(ds.getFeatures().shape(), ds.getFeatures().dup('c').data().asFloat(),
                    ds.getLabels().dup('c').data().asFloat()));
        }
        return out;
    }

    static void assertSame(List<Batch> a, List<Batch> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).shape()).isEqualTo(b.get(i).shape());
            assertThat(a.get(i).features()).isEqualTo(b.get(i).features());
            assertThat(a.get(i).labels()).isEqualTo(b.get(i).labels());
        }
    }

    @Test
    void batchesDoNotDependOnTheNumberOfThreads() throws Exception {
        ImageSet s = set(50);
        DataSpec spec = spec(AUG, true, 8);
        List<Batch> one = drain(Batches.train(s, spec, 42, 3, "NCHW", 1));
        List<Batch> three = drain(Batches.train(s, spec, 42, 3, "NCHW", 3));
        assertSame(one, three);
        assertSame(one, drain(Batches.train(s, spec, 42, 3, "NCHW", 2)));
    }

    @Test
    void epochsAndSeedsDifferButEveryImageComesOncePerEpoch() {
        ImageSet s = set(50);
        DataSpec spec = spec(AUG, true, 8);
        List<Batch> e1 = drain(Batches.train(s, spec, 42, 1, "NCHW"));
        List<Batch> e2 = drain(Batches.train(s, spec, 42, 2, "NCHW"));
        List<Batch> otherSeed = drain(Batches.train(s, spec, 43, 1, "NCHW"));
        assertThat(e1.get(0).features()).isNotEqualTo(e2.get(0).features());
        assertThat(e1.get(0).labels()).isNotEqualTo(e2.get(0).labels());   // shuffled differently
        assertThat(e1.get(0).features()).isNotEqualTo(otherSeed.get(0).features());
        for (List<Batch> epoch : List.of(e1, e2)) {
            int[] perClass = new int[CLASSES.size()];
            for (Batch b : epoch) {
                for (int i = 0; i < b.labels().length; i++) {
                    perClass[i % CLASSES.size()] += (int) b.labels()[i];
                }
            }
            assertThat(perClass).containsExactly(13, 13, 12, 12);
        }
    }

    @Test
    void withoutAugmentationEveryImageAppearsExactlyOnceInShuffledOrder() {
        ImageSet s = set(50);
        List<Batch> e = drain(Batches.train(s, spec(List.of(), true, 8), 7, 0, "NCHW"));
        float[] lut0 = Augmenter.lookupTables(NORM, 3)[0];
        List<Integer> ids = new ArrayList<>();
        for (Batch b : e) {
            int n = (int) b.shape()[0];
            for (int i = 0; i < n; i++) {
                float v = b.features()[i * 192];
                int id = -1;
                for (int k = 0; k < 256; k++) {
                    if (lut0[k] == v) {
                        id = k;
                    }
                }
                ids.add(id);
                assertThat(b.labels()[i * 4 + id % 4]).isEqualTo(1f);
            }
        }
        Set<Integer> unique = new HashSet<>(ids);
        assertThat(unique).hasSize(50).allMatch(i -> i >= 0 && i < 50);
        assertThat(ids).isNotEqualTo(ids.stream().sorted().toList());
    }

    @Test
    void lastPartialBatchIsKept() {
        ImageSet s = set(50);
        List<Batch> e = drain(Batches.train(s, spec(AUG, true, 16), 1, 0, "NCHW"));
        assertThat(e).extracting(b -> b.shape()[0]).containsExactly(16L, 16L, 16L, 2L);
        assertThat(e.get(3).labels()).hasSize(2 * 4);
        assertThat(e.get(3).features()).hasSize(2 * 192);
        EpochIterator it = Batches.eval(s, spec(AUG, true, 16), 20, "NCHW");
        assertThat(it.batchCount()).isEqualTo(3);
        assertThat(drain(it)).extracting(b -> b.shape()[0]).containsExactly(20L, 20L, 10L);
    }

    @Test
    void nhwcIsNchwPermuted() {
        ImageSet s = set(20);
        DataSpec spec = spec(AUG, true, 8);
        EpochIterator a = Batches.train(s, spec, 9, 4, "NCHW");
        EpochIterator b = Batches.train(s, spec, 9, 4, "nhwc");
        while (a.hasNext()) {
            DataSet x = a.next();
            DataSet y = b.next();
            assertThat(y.getFeatures().shape()).containsExactly(x.getFeatures().shape()[0], 8, 8, 3);
            assertThat(x.getFeatures().shape()).containsExactly(x.getFeatures().shape()[0], 3, 8, 8);
            assertThat(y.getFeatures().equals(x.getFeatures().permute(0, 2, 3, 1))).isTrue();
            assertThat(y.getLabels().equals(x.getLabels())).isTrue();
        }
        assertThat(b.hasNext()).isFalse();
        assertThatThrownBy(() -> Batches.train(s, spec, 9, 4, "CHWN")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void evalIsInOrderAndNormalizeOnly() {
        ImageSet s = set(30);
        List<Batch> e = drain(Batches.eval(s, spec(AUG, true, 8), 16, "NCHW"));
        float[][] lut = Augmenter.lookupTables(NORM, 3);
        int i = 0;
        for (Batch b : e) {
            for (int k = 0; k < b.shape()[0]; k++, i++) {
                for (int p = 0; p < 192; p++) {
                    int v = s.pixels()[i * 192 + p] & 0xFF;
                    float expected = (v / 255f - (float) NORM.mean()[p / 64]) / (float) NORM.std()[p / 64];
                    assertThat(b.features()[k * 192 + p]).isEqualTo(expected).isEqualTo(lut[p / 64][v]);
                }
                float[] oneHot = Arrays.copyOfRange(b.labels(), k * 4, k * 4 + 4);
                float[] expected = new float[4];
                expected[s.label(i)] = 1f;
                assertThat(oneHot).containsExactly(expected);
            }
        }
        assertThat(i).isEqualTo(30);
    }

    @Test
    void unshuffledTrainingKeepsTheOrder() {
        ImageSet s = set(12);
        List<Batch> e = drain(Batches.train(s, spec(List.of(), false, 5), 1, 0, "NCHW"));
        List<Batch> ev = drain(Batches.eval(s, spec(List.of(), false, 5), 5, "NCHW"));
        assertSame(e, ev);
    }

    @Test
    void resetReplaysTheSamePass() {
        ImageSet s = set(40);
        EpochIterator it = Batches.train(s, spec(AUG, true, 8), 5, 2, "NCHW");
        it.next();
        it.next();
        it.reset();
        List<Batch> replay = drain(it);
        assertSame(replay, drain(Batches.train(s, spec(AUG, true, 8), 5, 2, "NCHW")));
        assertThat(it.resetSupported()).isTrue();
        assertThat(it.asyncSupported()).isFalse();
        assertThat(it.getLabels()).isEqualTo(CLASSES);
        assertThat(it.totalOutcomes()).isEqualTo(4);
        assertThat(it.inputColumns()).isEqualTo(192);
        assertThat(it.batch()).isEqualTo(8);
    }

    @Test
    void threadsEndWhenExhaustedOrClosed() throws Exception {
        ImageSet s = set(64);
        EpochIterator done = Batches.train(s, spec(AUG, true, 4), 5, 2, "NCHW", 3);
        drain(done);
        assertThat(done.awaitThreads(5000)).isTrue();
        EpochIterator abandoned = Batches.train(s, spec(AUG, true, 4), 5, 2, "NCHW", 3);
        abandoned.next();
        Thread.sleep(50); // let the workers fill the prefetch queue and block
        abandoned.close();
        assertThat(abandoned.awaitThreads(5000)).isTrue();
        assertThat(abandoned.hasNext()).isFalse();
        abandoned.close(); // idempotent
    }

    @Test
    void aHandedOutBatchStaysIntactForKeepMoreBatches() throws Exception {
        ImageSet s = set(200);
        EpochIterator it = Batches.train(s, spec(AUG, true, 4), 5, 2, "NCHW", 2);
        List<DataSet> held = new ArrayList<>();
        List<float[]> copies = new ArrayList<>();
        for (int k = 0; k <= EpochIterator.KEEP; k++) {
            DataSet ds = it.next();
            held.add(ds);
            copies.add(ds.getFeatures().dup().data().asFloat());
            Thread.sleep(30); // workers run as far ahead as they may
        }
        for (int k = 0; k <= EpochIterator.KEEP; k++) {
            assertThat(held.get(k).getFeatures().data().asFloat()).isEqualTo(copies.get(k));
        }
        it.close();
    }

    @Test
    void benchReportsAPositiveRateAcrossEpochs() {
        ImageSet s = set(40);
        double rate = DataBench.imagesPerSecond(s, spec(AUG, true, 8), 12); // 12 steps > 5 batches per epoch
        assertThat(rate).isPositive().isFinite();
        assertThatThrownBy(() -> DataBench.imagesPerSecond(s, spec(AUG, true, 8), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anAlternatingFlipDrawsOnceAndInvertsEveryOddEpoch() {
        ImageSet set = set(400);
        DataSpec spec = new DataSpec(new DataSpec.Cifar10(null, null), 400, 16, false,
                List.of(new TransformSpec.HorizontalFlip(0.5, true)), null);
        boolean[][] flipped = new boolean[4][400];
        for (int e = 0; e < 4; e++) {
            Batch b = drain(Batches.train(set, spec, 11, e, "NCHW")).get(0);
            for (int i = 0; i < 400; i++) {
                // unshuffled: row i is image i; mirrored iff its first row equals the source's reversed
                boolean same = true, mirror = true;
                for (int x = 0; x < 8; x++) {
                    float v = b.features()[i * 192 + x];
                    same &= v == (set.pixels()[i * 192 + x] & 0xFF) / 255f;
                    mirror &= v == (set.pixels()[i * 192 + 7 - x] & 0xFF) / 255f;
                }
                assertThat(same ^ mirror).as("image %d epoch %d is the image or its mirror", i, e).isTrue();
                flipped[e][i] = mirror;
            }
        }
        int first = 0;
        for (int i = 0; i < 400; i++) {
            if (flipped[0][i]) first++;
            assertThat(flipped[1][i]).isEqualTo(!flipped[0][i]);   // odd epochs invert
            assertThat(flipped[2][i]).isEqualTo(flipped[0][i]);    // even epochs repeat the first draw
            assertThat(flipped[3][i]).isEqualTo(!flipped[0][i]);
        }
        assertThat(first).isBetween(160, 240);                    // p = 0.5 of 400
        // another seed draws another half
        Batch other = drain(Batches.train(set, spec, 12, 0, "NCHW")).get(0);
        int differ = 0;
        for (int i = 0; i < 400; i++) {
            boolean m = other.features()[i * 192] == (set.pixels()[i * 192 + 7] & 0xFF) / 255f
                    && other.features()[i * 192 + 7] == (set.pixels()[i * 192] & 0xFF) / 255f;
            if (m != flipped[0][i]) differ++;
        }
        assertThat(differ).isGreaterThan(100);
    }

    @Test
    void dropLastLeavesOutThePartialBatch() {
        ImageSet set = set(10);
        DataSpec keep = spec(List.of(), true, 4);
        DataSpec drop = new DataSpec(keep.dataset(), 4, 16, true, List.of(), NORM, 0, 0, true);
        assertThat(drain(Batches.train(set, keep, 3, 0, "NCHW"))).extracting(b -> b.shape()[0]).containsExactly(4L, 4L, 2L);
        List<Batch> dropped = drain(Batches.train(set, drop, 3, 0, "NCHW"));
        assertThat(dropped).extracting(b -> b.shape()[0]).containsExactly(4L, 4L);
        assertThat(keep.batchesPerEpoch(10)).isEqualTo(3);
        assertThat(drop.batchesPerEpoch(10)).isEqualTo(2);
        // the same shuffle: the first two batches are the same images either way
        List<Batch> kept = drain(Batches.train(set, keep, 3, 0, "NCHW"));
        assertSame(kept.subList(0, 2), dropped);
        // evaluation keeps every image
        assertThat(drain(Batches.eval(set, drop, 4, "NCHW"))).extracting(b -> b.shape()[0]).containsExactly(4L, 4L, 2L);
    }
}
