package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class WeightOnlyConvBackpropTest {

    /** Weight and bias gradients by libnd4j's conv2d_bp, stride 1. */
    private static INDArray[] reference(INDArray x, INDArray w, INDArray b, INDArray delta, int kh, int kw, int ph,
                                        int pw) {
        INDArray[] all = ConvReference.gradients(x, w, b, delta, kh, kw, 1, 1, ph, pw);
        return new INDArray[] {all[1], all[2]};
    }

    @ParameterizedTest(name = "n{0} {1}x{2}x{3} -> {4}, k{5}x{6} p{7},{8}")
    @CsvSource({
        "4, 32, 32, 3, 6, 5, 5, 0, 0",   // the tutorial CNN's first convolution
        "2, 9, 7, 2, 3, 5, 3, 2, 1",     // unequal sizes, kernel and padding
        "1, 6, 6, 1, 4, 5, 5, 2, 2",     // batch 1, "same" padding
        "3, 5, 5, 3, 2, 5, 5, 0, 0",     // a 1x1 output: the kernel is as large as the input
    })
    void matchesLibnd4jsOp(int n, int h, int w, int ic, int oc, int kh, int kw, int ph, int pw) {
        Nd4j.getRandom().setSeed(11);
        long oh = h + 2L * ph - kh + 1, ow = w + 2L * pw - kw + 1;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, h, w, ic).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.FLOAT, oc, ic, kh, kw).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, oc);
        INDArray delta = Nd4j.rand(DataType.FLOAT, n, oh, ow, oc).subi(0.5);
        INDArray[] ref = reference(x, wt, b, delta, kh, kw, ph, pw);

        WeightOnlyConvBackprop g = new WeightOnlyConvBackprop();
        for (int round = 0; round < 2; round++) { // the second reuses the buffers
            INDArray gw = Nd4j.create(DataType.FLOAT, wt.shape());
            INDArray gb = Nd4j.create(DataType.FLOAT, 1, oc);
            g.backprop(x, delta, new int[] {kh, kw}, new int[] {ph, pw}, gw, gb);
            assertClose(gw, ref[0], "weight gradient");
            assertClose(gb.reshape(oc), ref[1], "bias gradient");
        }
        // a smaller last batch of an epoch, an output gradient that is a permuted view, and no bias
        if (n > 1) {
            INDArray x1 = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
            INDArray d1 = delta.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup('f');
            INDArray[] ref1 = reference(x1.dup(), wt, b, d1.dup('c'), kh, kw, ph, pw);
            INDArray gw = Nd4j.create(DataType.FLOAT, wt.shape());
            g.backprop(x1, d1, new int[] {kh, kw}, new int[] {ph, pw}, gw, null);
            assertClose(gw, ref1[0], "weight gradient of a batch of 1");
        }
    }

    @Test
    void writesIntoGradientViews() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 8, 8, 3), wt = Nd4j.rand(DataType.FLOAT, 4, 3, 5, 5);
        INDArray delta = Nd4j.rand(DataType.FLOAT, 2, 4, 4, 4), b = Nd4j.zeros(DataType.FLOAT, 4);
        INDArray[] ref = reference(x, wt, b, delta, 5, 5, 0, 0);
        // as in a layer: [1, oC] bias and the weights as views into one flat gradient array, after other values
        INDArray flat = Nd4j.create(DataType.FLOAT, 1, 7 + 4 + 4 * 3 * 25);
        INDArray gb = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 11));
        INDArray gw = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(11, 11 + 300)).reshape('c', 4, 3, 5, 5);
        new WeightOnlyConvBackprop().backprop(x, delta, new int[] {5, 5}, new int[] {0, 0}, gw, gb);
        assertClose(gw, ref[0], "weight gradient");
        assertClose(gb.reshape(4), ref[1], "bias gradient");
        assertThat(flat.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 7)).sumNumber().doubleValue()).isZero();
    }

    @Test
    void refusesStridedShapes() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 9, 9, 1);
        INDArray delta = Nd4j.rand(DataType.FLOAT, 1, 3, 3, 2); // 9x9, k5, stride 2 -> 3x3
        assertThatThrownBy(() -> new WeightOnlyConvBackprop().backprop(x, delta, new int[] {5, 5}, new int[] {0, 0},
                Nd4j.create(DataType.FLOAT, 2, 1, 5, 5), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stride-1");
    }

    @Test
    void preferredForLargeKernelsStrideOneAndSmallOutputs() {
        int[] k5 = {5, 5}, s1 = {1, 1}, d1 = {1, 1}, p0 = {0, 0}, p2 = {2, 2};
        long tutorial = 4L * 28 * 28 * 6;
        assertThat(WeightOnlyConvBackprop.preferredFor(k5, s1, d1, p0, p0, tutorial)).isTrue();
        assertThat(WeightOnlyConvBackprop.preferredFor(k5, s1, d1, p2, p2, 64L * 28 * 28 * 6)).isTrue();
        assertThat(WeightOnlyConvBackprop.preferredFor(new int[] {3, 3}, s1, d1, new int[] {1, 1},
                new int[] {1, 1}, tutorial)).as("ResNet9's 3x3").isFalse();
        assertThat(WeightOnlyConvBackprop.preferredFor(k5, new int[] {2, 2}, d1, p0, p0, tutorial)).isFalse();
        assertThat(WeightOnlyConvBackprop.preferredFor(k5, s1, new int[] {2, 2}, p0, p0, tutorial)).isFalse();
        assertThat(WeightOnlyConvBackprop.preferredFor(k5, s1, d1, p2, new int[] {1, 2}, tutorial))
                .as("asymmetric padding").isFalse();
        assertThat(WeightOnlyConvBackprop.preferredFor(k5, s1, d1, p0, p0,
                WeightOnlyConvBackprop.MAX_DELTA_ELEMENTS + 1)).isFalse();
    }

    private static void assertClose(INDArray a, INDArray b, String what) {
        assertThat(a.shape()).as(what).isEqualTo(b.shape());
        double scale = Math.max(1.0, Transforms.abs(b).maxNumber().doubleValue());
        double diff = Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        assertThat(diff).as(what + " max abs diff").isLessThanOrEqualTo(1e-5 * scale);
    }
}
