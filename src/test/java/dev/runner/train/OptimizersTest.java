package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.File;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import dev.runner.spec.OptimizerSpec;

/**
 * Optimizer steps against PyTorch's update rules written out by hand on a one-neuron linear model
 * {@code pred = w.x + b}, loss {@code (pred - y)^2}, so {@code dL/dw = 2(pred-y)x}, {@code dL/db = 2(pred-y)}.
 */
class OptimizersTest {
    static final double[] X = {1.0, -2.0};
    static final double Y = 0.5;
    static final double[] W0 = {0.3, -0.1};
    static final double B0 = 0.2;

    static ComputationGraph linear(IUpdater updater, double l2) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(1).updater(updater).l2(l2).l2Bias(l2)
                .graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(2).nOut(1)
                        .activation(Activation.IDENTITY).build(), "in")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        g.getLayer("out").setParam("W", Nd4j.create(new double[][] {{W0[0]}, {W0[1]}}));
        g.getLayer("out").setParam("b", Nd4j.create(new double[][] {{B0}}));
        return g;
    }

    static DataSet batch() {
        return new DataSet(Nd4j.create(new double[][] {X}), Nd4j.create(new double[][] {{Y}}));
    }

    /** [w0, w1, b] after the step. */
    static double[] params(ComputationGraph g) {
        INDArray w = g.getLayer("out").getParam("W");
        INDArray b = g.getLayer("out").getParam("b");
        return new double[] {w.getDouble(0, 0), w.getDouble(1, 0), b.getDouble(0, 0)};
    }

    /** Gradients of (w.x+b-y)^2 plus coupled weight decay wd*p, for p = [w0, w1, b]. */
    static double[] grad(double[] p, double wd) {
        double pred = p[0] * X[0] + p[1] * X[1] + p[2];
        double d = 2 * (pred - Y);
        return new double[] {d * X[0] + wd * p[0], d * X[1] + wd * p[1], d + wd * p[2]};
    }

    static OptimizerSpec sgd(double lr, double momentum, double dampening, boolean nesterov, double wd) {
        return new OptimizerSpec("sgd", lr, null, momentum, dampening, nesterov, wd, 0.9, 0.999, 1e-8);
    }

    static OptimizerSpec adam(String type, double lr, double wd) {
        return new OptimizerSpec(type, lr, null, 0, 0, false, wd, 0.9, 0.99, 1e-3);
    }

    @Test
    void sgdWithMomentumDampeningAndWeightDecayOnBiasMatchesTorch() {
        double lr = 0.05, mu = 0.9, damp = 0.3, wd = 0.1;
        Optimizers.Plan plan = Optimizers.plan(sgd(lr, mu, damp, false, wd), new Schedules.Constant(lr));
        assertThat(plan.coupledWeightDecay()).isEqualTo(wd);
        ComputationGraph g = linear(plan.updater(), plan.coupledWeightDecay());
        double[] p = {W0[0], W0[1], B0};
        double[] buf = null;
        for (int step = 0; step < 4; step++) {
            double[] gr = grad(p, wd);
            if (buf == null) {
                buf = gr.clone();                                   // torch: buf = g on the first step
            } else {
                for (int i = 0; i < 3; i++) {
                    buf[i] = mu * buf[i] + (1 - damp) * gr[i];
                }
            }
            for (int i = 0; i < 3; i++) {
                p[i] -= lr * buf[i];
            }
            g.fit(batch());
            double[] got = params(g);
            for (int i = 0; i < 3; i++) {
                assertThat(got[i]).as("step %d param %d", step, i).isCloseTo(p[i], within(1e-12));
            }
        }
        // the bias really decayed: without wd the bias would differ
        assertThat(p[2]).isNotCloseTo(B0, within(1e-3));
    }

    @Test
    void nesterovMatchesTorch() {
        double lr = 0.05, mu = 0.8;
        ComputationGraph g = linear(Optimizers.updater(sgd(lr, mu, 0, true, 0), null), 0);
        double[] p = {W0[0], W0[1], B0};
        double[] buf = null;
        for (int step = 0; step < 3; step++) {
            double[] gr = grad(p, 0);
            if (buf == null) {
                buf = gr.clone();
            } else {
                for (int i = 0; i < 3; i++) {
                    buf[i] = mu * buf[i] + gr[i];
                }
            }
            for (int i = 0; i < 3; i++) {
                p[i] -= lr * (gr[i] + mu * buf[i]);
            }
            g.fit(batch());
            assertThat(params(g)).containsExactly(p, within(1e-12));
        }
    }

    @Test
    void plainSgdHasNoState() {
        TorchSgd u = (TorchSgd) Optimizers.updater(sgd(0.1, 0, 0, false, 0), null);
        assertThat(u.stateSize(10)).isZero();
        ComputationGraph g = linear(u, 0);
        double[] p = {W0[0], W0[1], B0};
        double[] gr = grad(p, 0);
        g.fit(batch());
        assertThat(params(g)).containsExactly(new double[] {p[0] - 0.1 * gr[0], p[1] - 0.1 * gr[1],
                p[2] - 0.1 * gr[2]}, within(1e-12));
    }

    /** torch.optim.Adam / AdamW with betas (0.9, 0.99), eps 1e-3 (large so its placement matters). */
    static void checkAdam(String type, double lr, double wd) {
        Optimizers.Plan plan = Optimizers.plan(adam(type, lr, wd), new Schedules.Constant(lr));
        ComputationGraph g = linear(plan.updater(), plan.coupledWeightDecay());
        plan.listeners().forEach(g::addListeners);
        boolean decoupled = type.equals("adamw");
        double b1 = 0.9, b2 = 0.99, eps = 1e-3;
        double[] p = {W0[0], W0[1], B0};
        double[] m = new double[3], v = new double[3];
        for (int t = 1; t <= 4; t++) {
            double[] gr = grad(p, decoupled ? 0 : wd);
            if (decoupled) {
                for (int i = 0; i < 3; i++) {
                    p[i] *= 1 - lr * wd;
                }
            }
            for (int i = 0; i < 3; i++) {
                m[i] = b1 * m[i] + (1 - b1) * gr[i];
                v[i] = b2 * v[i] + (1 - b2) * gr[i] * gr[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
            g.fit(batch());
            assertThat(params(g)).as("%s step %d", type, t).containsExactly(p, within(1e-12));
        }
    }

    @Test
    void adamWithCoupledWeightDecayMatchesTorch() {
        checkAdam("adam", 0.01, 0.5);
    }

    @Test
    void adamwWithDecoupledWeightDecayMatchesTorch() {
        Optimizers.Plan plan = Optimizers.plan(adam("adamw", 0.01, 0.5), null);
        assertThat(plan.coupledWeightDecay()).isZero();
        assertThat(plan.decoupledWeightDecay()).isEqualTo(0.5);
        checkAdam("adamw", 0.01, 0.5);
    }

    @Test
    void scheduledLearningRateIsUsedPerIteration() {
        // lr 0.1 then 0.01 from iteration 1: one step of each, plain sgd
        ComputationGraph g = linear(Optimizers.updater(sgd(0.1, 0, 0, false, 0),
                new Schedules.MultiStep(0.1, 0.1, new long[] {1})), 0);
        double[] p = {W0[0], W0[1], B0};
        for (double lr : new double[] {0.1, 0.01}) {
            double[] gr = grad(p, 0);
            for (int i = 0; i < 3; i++) {
                p[i] -= lr * gr[i];
            }
            g.fit(batch());
            assertThat(params(g)).containsExactly(p, within(1e-12));
        }
    }

    @Test
    void updatersAndSchedulesRoundTripThroughJsonAndModelSerializer(@TempDir Path dir) throws Exception {
        var sched = new Schedules.LinearWarmup(0.1, 0.1, 3, new Schedules.Cosine(0.1, 0.001, 20));
        for (IUpdater u : new IUpdater[] {new TorchSgd(0.1, sched, 0.9, 0.1, false),
                new TorchAdam(0.01, new Schedules.Piecewise(new double[] {0, 5}, new double[] {0, 1}), 0.8, 0.9,
                        1e-6)}) {
            ComputationGraph g = linear(u, 0);
            ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(
                    g.getConfiguration().toJson());
            assertThat(back).isEqualTo(g.getConfiguration());

            g.fit(batch());
            g.fit(batch());
            File f = dir.resolve("m.zip").toFile();
            ModelSerializer.writeModel(g, f, true);
            ComputationGraph r = ModelSerializer.restoreComputationGraph(f, true);
            assertThat(r.getIterationCount()).isEqualTo(2);
            g.fit(batch());
            r.fit(batch());
            assertThat(params(r)).containsExactly(params(g));
        }
    }
}
