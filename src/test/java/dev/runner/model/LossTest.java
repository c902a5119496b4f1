package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runner.model.onednn.OneDnnStep;
import dev.runner.spec.ModelSpec;
import dev.runner.train.TorchSgd;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The loss's label smoothing and reduction on both engines, against nn.CrossEntropyLoss worked by hand: for
 * logits z = W x + b, p = softmax(z), target t = (1 - s) y + s / K, the loss is -sum_j t_j log p_j per example
 * (mean or sum over the batch) and its gradient with respect to z is p - t (divided by the batch for the mean).
 * One plain SGD step (lr 0.1, no momentum, no decay) must move W and b by exactly -lr times that gradient.
 */
class LossTest {
    static final int B = 4, IN = 3, K = 3;

    static List<String> engines() {
        List<String> e = new ArrayList<>(List.of(Placement.DL4J));
        if (OneDnnStep.unavailable() == null) e.add(Placement.ONEDNN);
        else System.out.println("LossTest: oneDNN engine not available here (" + OneDnnStep.unavailable() + "); DL4J only");
        return e;
    }

    static ModelSpec spec(double smoothing, boolean sum) {
        ModelSpec m = TestSpecs.create().add("flatten", TestSpecs.flatten()).add("fc", TestSpecs.dense(K)).build(IN, 1, 1);
        return new ModelSpec(m.input(), m.nodes(), m.loss(), m.output(), smoothing, sum);
    }

    record Step(double[][] w, double[] b, double score) {}

    /** One step on the engine from the compiled start; returns {start, after} with the recorded loss in after. */
    static Step[] step(String engine, double smoothing, boolean sum) {
        Network net = ModelCompiler.computationGraph().compile(spec(smoothing, sum),
                new CompileOptions(3, new TorchSgd(0.1, null, 0, 0, false), 0, "NCHW", engine));
        INDArray f = Nd4j.create(X).reshape(B, IN, 1, 1).castTo(DataType.FLOAT);
        INDArray y = Nd4j.zeros(DataType.FLOAT, B, K);
        for (int i = 0; i < B; i++) y.putScalar(i, Y[i], 1);
        Step start = params(net, Double.NaN);
        net.fit(new DataSet(f, y));
        return new Step[] {start, params(net, net.score())};
    }

    static Step params(Network net, double score) {
        var fc = net.graph().getLayer("fc");
        return new Step(fc.getParam("W").castTo(DataType.DOUBLE).toDoubleMatrix(),
                fc.getParam("b").castTo(DataType.DOUBLE).toDoubleVector(), score);
    }

    static Step byHand(double[][] w, double[] b, double[][] x, int[] label, double s, boolean sum, double lr) {
        double[][] gw = new double[IN][K];
        double[] gb = new double[K];
        double loss = 0;
        for (int i = 0; i < B; i++) {
            double[] z = new double[K];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < K; j++) {
                z[j] = b[j];
                for (int c = 0; c < IN; c++) z[j] += w[c][j] * x[i][c];   // DL4J's W is [in, out]
                max = Math.max(max, z[j]);
            }
            double zs = 0;
            for (int j = 0; j < K; j++) zs += Math.exp(z[j] - max);
            for (int j = 0; j < K; j++) {
                double p = Math.exp(z[j] - max) / zs;
                double t = (j == label[i] ? 1 - s : 0) + s / K;
                loss -= t * Math.log(p);
                double g = (p - t) / (sum ? 1 : B);
                gb[j] += g;
                for (int c = 0; c < IN; c++) gw[c][j] += g * x[i][c];
            }
        }
        double[][] w1 = new double[IN][K];
        double[] b1 = new double[K];
        for (int j = 0; j < K; j++) {
            b1[j] = b[j] - lr * gb[j];
            for (int c = 0; c < IN; c++) w1[c][j] = w[c][j] - lr * gw[c][j];
        }
        return new Step(w1, b1, loss / B);
    }

    static final double[][] X = {{0.5, -1.0, 2.0}, {1.5, 0.25, -0.5}, {-2.0, 1.0, 0.75}, {0.1, 0.2, 0.3}};
    static final int[] Y = {0, 2, 1, 2};

    @Test
    void labelSmoothingAndSumReductionMatchCrossEntropyByHandOnBothEngines() {
        for (String engine : engines()) {
            for (double sm : new double[] {0, 0.2}) {
                for (boolean sum : new boolean[] {false, true}) {
                    String what = engine + " label_smoothing " + sm + (sum ? " sum" : " mean");
                    Step[] got = step(engine, sm, sum);
                    Step want = byHand(got[0].w(), got[0].b(), X, Y, sm, sum, 0.1);
                    for (int c = 0; c < IN; c++) {
                        for (int j = 0; j < K; j++) {
                            assertThat(got[1].w()[c][j]).as(what + " W[%d][%d]", c, j).isCloseTo(want.w()[c][j], within(1e-5));
                        }
                    }
                    for (int j = 0; j < K; j++) {
                        assertThat(got[1].b()[j]).as(what + " b[%d]", j).isCloseTo(want.b()[j], within(1e-5));
                    }
                    // the recorded loss is the batch mean of the smoothed cross-entropy, before the step
                    assertThat(got[1].score()).as(what + " loss").isCloseTo(want.score(), within(1e-5));
                }
            }
        }
    }

    @Test
    void theSumMovesTheWeightsBatchTimesFurtherThanTheMean() {
        for (String engine : engines()) {
            Step[] mean = step(engine, 0.2, false);
            Step[] sum = step(engine, 0.2, true);
            for (int j = 0; j < K; j++) {
                double dm = mean[1].b()[j] - mean[0].b()[j], ds = sum[1].b()[j] - sum[0].b()[j];
                assertThat(Math.abs(dm)).isGreaterThan(1e-4);
                assertThat(ds / dm).as(engine + " b[%d]", j).isCloseTo(B, within(1e-3));
            }
        }
    }
}
