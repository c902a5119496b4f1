package dev.runner.model.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** oneDNN's Adam step computes what libnd4j's adam_updater computes (torch's Adam), on contiguous arrays only. */
class AdamKernelTest {
    @Test
    void stepsLikeLibnd4jsAdamOnArraysOfEitherOrder() {
        assumeTrue(OneDnnStep.unavailable() == null, "oneDNN available");
        double b1 = 0.8, b2 = 0.95, eps = 1e-3;   // a large epsilon, so its placement matters
        for (char order : new char[] {'c', 'f'}) {
            Nd4j.getRandom().setSeed(3);
            INDArray g0 = Nd4j.randn(new long[] {37, 29}).dup(order);
            INDArray m1 = Nd4j.zeros(new long[] {37, 29}, order), v1 = m1.dup(order);
            INDArray m2 = m1.dup(order), v2 = m1.dup(order);
            try (AdamKernel k = new AdamKernel(g0.length(), b1, b2, eps)) {
                assertThat(k.accepts(g0, m2, v2)).isTrue();
                for (int it = 0; it < 5; it++) {
                    int t = it + 1;
                    double lr = 0.01 * t, bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
                    INDArray expected = g0.mul(1 - 0.3 * it).dup(order);
                    INDArray actual = expected.dup(order);
                    Nd4j.exec(new AdamUpdater(expected, v1, m1, lr, b1, b2, eps * Math.sqrt(bc2), it));
                    k.step(actual, m2, v2, lr / bc1, bc2);
                    assertThat(actual.sub(expected).amaxNumber().doubleValue()).as(order + " update, step " + t)
                            .isLessThan(1e-6 * expected.amaxNumber().doubleValue() + 1e-9);
                    assertThat(m2.sub(m1).amaxNumber().doubleValue()).as("first moment").isLessThan(1e-6);
                    assertThat(v2.sub(v1).amaxNumber().doubleValue()).as("second moment").isLessThan(1e-6);
                    assertThat(actual.amaxNumber().doubleValue()).isGreaterThan(0);
                }
            }
        }
    }

    @Test
    void refusesArraysItCannotRunOn() {
        assumeTrue(OneDnnStep.unavailable() == null, "oneDNN available");
        INDArray a = Nd4j.rand(6, 4);
        try (AdamKernel k = new AdamKernel(24, 0.9, 0.999, 1e-8)) {
            assertThat(k.accepts(a, a.dup(), a.dup())).isTrue();
            assertThat(k.accepts(a, a.dup('f'), a.dup())).as("another order").isFalse();
            INDArray flat = Nd4j.rand(new long[] {24});
            assertThat(k.accepts(flat, Nd4j.zeros(new long[] {24}, 'f'), Nd4j.zeros(new long[] {24}, 'f')))
                    .as("vectors, whatever their order (DL4J's gradient 'c', its moments 'f')").isTrue();
            INDArray strided = Nd4j.rand(6, 8).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 8));
            assertThat(k.accepts(strided, strided.dup(), strided.dup())).as("strided view").isFalse();
            assertThat(k.accepts(a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), a, a)).as("f64").isFalse();
            INDArray other = Nd4j.rand(5, 4);
            assertThat(k.accepts(other, other.dup(), other.dup())).as("another length").isFalse();
        }
    }
}
