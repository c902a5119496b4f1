package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class GemmConvBackpropTest {

    /** The gradients by libnd4j's conv2d_bp: input, weights, bias. */
    private static INDArray[] reference(INDArray x, INDArray w, INDArray b, INDArray delta, int k, int s, int p) {
        return ConvReference.gradients(x, w, b, delta, k, k, s, s, p, p);
    }

    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}, k{4} s{5} p{6}")
    @CsvSource({
        "2, 2, 8, 16, 3, 1, 1",   // ResNet9's last block in small
        "1, 1, 4, 6, 3, 1, 1",    // 1x1 input: only the centre tap sees data
        "5, 4, 3, 5, 3, 2, 1",    // strided, odd and unequal sizes
        "4, 4, 5, 7, 1, 2, 0",    // 1x1 kernel, stride 2
        "6, 6, 2, 3, 5, 1, 2",    // 5x5 kernel
        "7, 5, 3, 4, 3, 3, 0",    // stride 3, no padding, some input rows never used
    })
    void matchesLibnd4jsOp(int h, int w, int ic, int oc, int k, int s, int p) {
        Nd4j.getRandom().setSeed(7);
        int n = 3;
        long oh = (h + 2L * p - k) / s + 1, ow = (w + 2L * p - k) / s + 1;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, h, w, ic).subi(0.5);
        INDArray wt = Nd4j.rand(DataType.FLOAT, oc, ic, k, k).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, oc);
        INDArray delta = Nd4j.rand(DataType.FLOAT, n, oh, ow, oc).subi(0.5);
        INDArray[] ref = reference(x, wt, b, delta, k, s, p);

        GemmConvBackprop g = new GemmConvBackprop();
        for (int round = 0; round < 2; round++) { // the second reuses the buffers
            INDArray gi = Nd4j.create(DataType.FLOAT, x.shape());
            INDArray gw = Nd4j.create(DataType.FLOAT, wt.shape());
            INDArray gb = Nd4j.create(DataType.FLOAT, 1, oc);
            g.backprop(x, wt, delta, new int[] {k, k}, new int[] {s, s}, new int[] {p, p}, gw, gb, gi);
            assertClose(gi, ref[0], "input gradient");
            assertClose(gw, ref[1], "weight gradient");
            assertClose(gb.reshape(oc), ref[2], "bias gradient");
        }
    }

    @Test
    void writesIntoAWeightGradientThatIsNotContiguous() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 2, 2, 4), wt = Nd4j.rand(DataType.FLOAT, 5, 4, 3, 3);
        INDArray delta = Nd4j.rand(DataType.FLOAT, 2, 2, 2, 5), b = Nd4j.zeros(DataType.FLOAT, 5);
        INDArray[] ref = reference(x, wt, b, delta, 3, 1, 1);
        INDArray gw = Nd4j.create(DataType.FLOAT, new long[] {5, 4, 3, 3}, 'f');
        new GemmConvBackprop().backprop(x, wt, delta, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, gw, null,
                Nd4j.create(DataType.FLOAT, x.shape()));
        assertClose(gw, ref[1], "weight gradient");
    }

    @Test
    void tapRanges() {
        // 3 taps, pad 1, stride 1, 2 inputs, 2 outputs: tap 0 reaches input only from output 1, tap 2 only from 0
        assertThat(GemmConvBackprop.range(0, 1, 1, 2, 2)).containsExactly(1, 2);
        assertThat(GemmConvBackprop.range(1, 1, 1, 2, 2)).containsExactly(0, 2);
        assertThat(GemmConvBackprop.range(2, 1, 1, 2, 2)).containsExactly(0, 1);
        // 1 input, 1 output: the outer taps only see padding
        assertThat(GemmConvBackprop.range(0, 1, 1, 1, 1)).isNull();
        assertThat(GemmConvBackprop.range(1, 1, 1, 1, 1)).containsExactly(0, 1);
        // stride 2, pad 1, 5 inputs, 3 outputs: tap 0 reads inputs -1, 1, 3
        assertThat(GemmConvBackprop.range(0, 2, 1, 5, 3)).containsExactly(1, 3);
    }

    @Test
    void preferredOnlyForSmallThreeByThreeStrideOneOutputs() {
        int[] k3 = {3, 3}, s1 = {1, 1}, d1 = {1, 1};
        assertThat(GemmConvBackprop.preferredFor(k3, s1, d1, 2, 2)).isTrue();
        assertThat(GemmConvBackprop.preferredFor(k3, s1, d1, 1, 1)).isTrue();
        assertThat(GemmConvBackprop.preferredFor(k3, s1, d1, 4, 4)).isFalse();
        assertThat(GemmConvBackprop.preferredFor(k3, new int[] {2, 2}, d1, 2, 2)).isFalse();
        assertThat(GemmConvBackprop.preferredFor(new int[] {1, 1}, s1, d1, 2, 2)).isFalse();
        assertThat(GemmConvBackprop.preferredFor(k3, s1, new int[] {2, 2}, 2, 2)).isFalse();
    }

    private static void assertClose(INDArray a, INDArray b, String what) {
        assertThat(a.shape()).as(what).isEqualTo(b.shape());
        double scale = Math.max(1.0, Transforms.abs(b).maxNumber().doubleValue());
        double diff = Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        assertThat(diff).as(what + " max abs diff").isLessThanOrEqualTo(1e-5 * scale);
    }
}
