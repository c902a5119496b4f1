package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runner.spec.ModelSpec;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.InitSpec;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** {@code init: dirac} and {@code init: whitening}, by the properties that define them, on both engines. */
class DataInitTest {
    static Conv conv(int filters, int k, int pad, boolean bias, InitSpec init) {
        return new Conv(filters, new int[] {k, k}, new int[] {1, 1}, new int[] {pad, pad}, new int[] {1, 1}, bias, null, init);
    }

    static Network compile(ModelSpec spec, String engine) {
        return ModelCompiler.computationGraph().compile(spec, new CompileOptions(9, new Sgd(0.1), 0, "NCHW", engine));
    }

    @Test
    void diracPassesTheFirstChannelsThroughAndLeavesTheOtherFiltersToTheirDraw() {
        for (String engine : LossTest.engines()) {
            ModelSpec spec = TestSpecs.create().add("conv", conv(5, 3, 1, false, new InitSpec.Dirac(true)))
                    .add("flatten", TestSpecs.flatten()).add("fc", TestSpecs.dense(2)).build(3, 4, 4);
            Network net = compile(spec, engine);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4);
            INDArray y = net.activations(List.of("conv"), x).get("conv");
            for (int c = 0; c < 3; c++) {     // filters 0..2 are the identity on channels 0..2
                assertThat(y.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                        .equalsWithEps(x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c)), 1e-6))
                        .as(engine + " channel %d", c).isTrue();
            }
            INDArray w = net.graph().getLayer("conv").getParam("W");
            assertThat(w.get(org.nd4j.linalg.indexing.NDArrayIndex.point(3)).amaxNumber().doubleValue())
                    .as("filter 3 keeps PyTorch's draw").isGreaterThan(0).isLessThanOrEqualTo(1 / Math.sqrt(27));
            // dirac_ proper: the others zero
            Network zeros = compile(TestSpecs.create().add("conv", conv(5, 3, 1, false, new InitSpec.Dirac(false)))
                    .add("flatten", TestSpecs.flatten()).add("fc", TestSpecs.dense(2)).build(3, 4, 4), engine);
            INDArray wz = zeros.graph().getLayer("conv").getParam("W");
            assertThat(wz.sumNumber().doubleValue()).isEqualTo(3.0);
            assertThat(wz.getDouble(1, 1, 1, 1)).isEqualTo(1.0);
        }
    }

    /** Images whose channels and neighbouring pixels are strongly correlated, so whitening has work to do. */
    static INDArray images(int n) {
        SplittableRandom r = new SplittableRandom(4);
        float[] v = new float[n * 3 * 6 * 6];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 6; y++) {
                double row = r.nextGaussian();
                for (int x = 0; x < 6; x++) {
                    double px = row + 0.3 * r.nextGaussian() + 0.5;
                    for (int c = 0; c < 3; c++) v[((i * 3 + c) * 6 + y) * 6 + x] = (float) (px * (1 + c) + 0.1 * r.nextGaussian());
                }
            }
        }
        return Nd4j.create(v, new long[] {n, 3, 6, 6}, 'c');
    }

    @Test
    void aWhiteningConvsOutputOnItsPatchesHasTheIdentityAsSecondMoment() {
        for (String engine : LossTest.engines()) {
            ModelSpec spec = TestSpecs.create().add("white", conv(24, 2, 0, true, new InitSpec.Whitening(1e-7, 200)))
                    .add("flatten", TestSpecs.flatten()).add("fc", TestSpecs.dense(2)).build(3, 6, 6);
            Network net = compile(spec, engine);
            INDArray x = images(300);
            Whitening.apply(net, spec, x);
            assertThat(net.graph().getLayer("white").getParam("b").sumNumber().doubleValue()).isZero();
            // the conv's outputs on the first 200 images' patches: [200, 24, 5, 5]
            INDArray y = net.activations(List.of("white"), x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 200)))
                    .get("white").castTo(DataType.DOUBLE);
            INDArray flat = y.permute(0, 2, 3, 1).dup('c').reshape(-1, 24);
            INDArray m = flat.transpose().mmul(flat).divi(flat.size(0));
            for (int a = 0; a < 12; a++) {
                for (int b = 0; b < 12; b++) {
                    assertThat(m.getDouble(a, b)).as(engine + " moment[%d][%d]", a, b).isCloseTo(a == b ? 1 : 0, within(2e-3));
                }
            }
            // the second half are the negatives of the first
            INDArray w = net.graph().getLayer("white").getParam("W");
            double[] wv = w.dup('c').data().asDouble();
            for (int k = 0; k < 12; k++) {
                for (int j = 0; j < 12; j++) {
                    assertThat(wv[(k + 12) * 12 + j]).as("filter %d value %d", k + 12, j).isEqualTo(-wv[k * 12 + j]);
                }
            }
            // largest eigenvalue first: the first filter is the smallest (divided by the largest sqrt)
            assertThat(w.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).norm2Number().doubleValue())
                    .isLessThan(w.get(org.nd4j.linalg.indexing.NDArrayIndex.point(11)).norm2Number().doubleValue());
        }
    }
}
