package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class LeanActivationTest {
    private static Layer layer(org.deeplearning4j.nn.conf.layers.Layer conf) {
        NeuralNetConfiguration c = new NeuralNetConfiguration.Builder().layer(conf).build();
        return c.getLayer().instantiate(c, null, 0, null, false, DataType.FLOAT);
    }

    private static void sameAsStock(IActivation fn, boolean lean) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = GraphCompilerTest.random(3, 2, 5, 4, 3);
        INDArray g = GraphCompilerTest.random(4, 2, 5, 4, 3);
        Layer mine = layer(new LeanActivation(fn));
        Layer stock = layer(new ActivationLayer(fn));
        assertThat(mine instanceof LeanActivation.Impl).isTrue();

        for (boolean training : new boolean[] {true, false}) {
            INDArray xm = x.dup(), xs = x.dup();
            mine.setInput(xm, mgr);
            stock.setInput(xs, mgr);
            INDArray om = mine.activate(training, mgr).dup();
            INDArray os = stock.activate(training, mgr).dup();
            assertThat(om).as("output, training=" + training).isEqualTo(os);
            if (lean) assertThat(xm).as("input untouched, training=" + training).isEqualTo(x);
        }
        mine.setInput(x.dup(), mgr);
        stock.setInput(x.dup(), mgr);
        mine.activate(true, mgr);
        stock.activate(true, mgr);
        INDArray dm = mine.backpropGradient(g.dup(), mgr).getSecond();
        INDArray ds = stock.backpropGradient(g.dup(), mgr).getSecond();
        assertThat(dm).isEqualTo(ds);
    }

    @Test
    void reluComputesWhatTheStockLayerComputesInOnePassAndLeavesItsInputAlone() {
        sameAsStock(new ActivationReLU(), true);
        // and the values are ReLU's: max(x, 0) forward, g where x > 0 backward
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Layer l = layer(new LeanActivation(new ActivationReLU()));
        INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[] {-2f, -0.5f, 0f, 0.5f, 3f}).reshape(1, 5);
        l.setInput(x, mgr);
        assertThat(l.activate(true, mgr).toFloatVector()).containsExactly(0f, 0f, 0f, 0.5f, 3f);
        INDArray g = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[] {1f, 2f, 3f, 4f, 5f}).reshape(1, 5);
        assertThat(l.backpropGradient(g, mgr).getSecond().toFloatVector()).containsExactly(0f, 0f, 0f, 4f, 5f);
    }

    @Test
    void largeReluBackwardIsTwoPassesThatAgreeWithReluBp() {
        // one side of the size threshold each, plus an output gradient that is a permuted view (NHWC epsilon)
        for (long[] shape : new long[][] {{2, 3, 30, 30}, {1, 3, 4, 5}}) {
            INDArray x = GraphCompilerTest.random(11, shape);
            x.putScalar(0, 0f); // ReLU's kink: no gradient at exactly 0
            INDArray g = GraphCompilerTest.random(12, shape[0], shape[2], shape[3], shape[1]).permute(0, 3, 1, 2);
            INDArray expected = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, shape);
            org.nd4j.linalg.factory.Nd4j.exec(
                    new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative(x, g, expected, 0.0));
            INDArray delta = org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, shape).assign(Float.NaN);
            LeanActivation.reluBackward(x, g, delta);
            assertThat(x.length() >= LeanActivation.TWO_PASS_MIN_ELEMENTS).isEqualTo(shape[0] == 2);
            assertThat(delta).isEqualTo(expected);
            assertThat(delta.getFloat(0)).isZero();
            assertThat(delta.neq(0).castTo(DataType.INT32).sumNumber().intValue())
                    .isEqualTo(x.gt(0).castTo(DataType.INT32).sumNumber().intValue());
        }
    }

    @Test
    void otherActivationsAreTheStockLayers() {
        sameAsStock(new ActivationLReLU(0.1), false);
    }
}
