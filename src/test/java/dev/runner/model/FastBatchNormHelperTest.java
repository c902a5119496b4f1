package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class FastBatchNormHelperTest {
    @Test
    void compiledNetworksUseTheFastHelperWhenHelpersAreOn() {
        assumeTrue(Backend.oneDnnCompiledIn(), "native build without oneDNN");
        for (String layout : List.of("NCHW", "NHWC")) {
            ComputationGraph g = BackendTest.compile(layout, true).graph();
            assertThat(g.getLayer("bn1").getHelper()).as(layout).isInstanceOf(FastBatchNormHelper.class);
            assertThat(g.getLayer("bn2").getHelper()).as(layout).isInstanceOf(FastBatchNormHelper.class);
            assertThat(BackendTest.compile(layout, false).graph().getLayer("bn1").getHelper()).isNull();
        }
    }

    /** The NHWC training forward and backward passes against DL4J's own oneDNN helper, on inputs whose mean is far from zero. */
    @Test
    void nhwcBackwardEqualsTheStockOneDnnHelper() {
        assumeTrue(Backend.oneDnnCompiledIn(), "native build without oneDNN");
        Backend.init();
        Nd4j.getRandom().setSeed(5);
        long[] shape = {6, 5, 7, 8};
        INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(2.5).addi(3.0);
        INDArray g = Nd4j.randn(DataType.FLOAT, shape).addi(0.3);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, 8).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, 8);
        double eps = 1e-5;

        FastBatchNormHelper fastHelper = new FastBatchNormHelper(DataType.FLOAT);
        MKLDNNBatchNormHelper stockHelper = new MKLDNNBatchNormHelper(DataType.FLOAT);
        INDArray fastOut = forward(fastHelper, x, gamma, beta, eps);
        INDArray stockOut = forward(stockHelper, x, gamma, beta, eps);
        assertClose(fastOut, stockOut, 1e-4, "training forward");
        assertClose(fastHelper.getMeanCache(DataType.FLOAT), stockHelper.getMeanCache(DataType.FLOAT), 1e-5, "mean");
        assertClose(fastHelper.getVarCache(DataType.FLOAT), stockHelper.getVarCache(DataType.FLOAT), 1e-5, "var");
        assertThat(fastHelper.getMeanCache(DataType.FLOAT).meanNumber().doubleValue()).isBetween(2.5, 3.5);

        Pair<Gradient, INDArray> fast = run(fastHelper, x, g, gamma, beta, eps);
        Pair<Gradient, INDArray> stock = run(stockHelper, x, g, gamma, beta, eps);

        assertClose(fast.getSecond(), stock.getSecond(), 1e-4, "dL/dx");
        for (String p : List.of("gamma", "beta")) {
            assertClose(fast.getFirst().getGradientFor(p), stock.getFirst().getGradientFor(p), 1e-4, "dL/d" + p);
        }
        // and the gradient is not trivially zero
        assertThat(fast.getSecond().amaxNumber().doubleValue()).isGreaterThan(0.01);
        assertThat(fast.getFirst().getGradientFor("gamma").amaxNumber().doubleValue()).isGreaterThan(0.01);
    }

    private static INDArray forward(MKLDNNBatchNormHelper helper, INDArray x, INDArray gamma, INDArray beta,
                                    double eps) {
        long c = x.size(3);
        return helper.preOutput(x, true, x.shape(), gamma, beta, Nd4j.zeros(DataType.FLOAT, 1, c),
                Nd4j.ones(DataType.FLOAT, 1, c), 0.9, eps, CNN2DFormat.NHWC, LayerWorkspaceMgr.noWorkspaces()).dup();
    }

    /** Backward after the helper's own training forward pass (which caches the batch statistics). */
    private static Pair<Gradient, INDArray> run(MKLDNNBatchNormHelper helper, INDArray x, INDArray g, INDArray gamma,
                                                INDArray beta, double eps) {
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        long c = x.size(3);
        forward(helper, x, gamma, beta, eps);
        INDArray dGamma = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray dBeta = Nd4j.zeros(DataType.FLOAT, 1, c);
        Pair<Gradient, INDArray> r = helper.backpropGradient(x, g.dup(), x.shape(), gamma, beta, dGamma, dBeta, eps,
                CNN2DFormat.NHWC, ws);
        return new Pair<>(r.getFirst(), r.getSecond().dup());
    }

    private static void assertClose(INDArray a, INDArray b, double tol, String what) {
        assertThat(a.shape()).as(what).isEqualTo(b.shape());
        double scale = Math.max(1.0, b.amaxNumber().doubleValue());
        double diff = Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        assertThat(diff).as(what + " max abs diff (scale " + scale + ")").isLessThanOrEqualTo(tol * scale);
    }
}
