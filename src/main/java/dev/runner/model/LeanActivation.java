package dev.runner.model;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's activation layer, whose plain ReLU makes one pass each way instead of two. The stock layer copies its
 * input and applies the activation to the copy in place (forward), and copies the input again before writing
 * the derivative into a third array (backward); here {@code max(x, 0)} and {@code g * (x > 0)} are written
 * straight into the layer's output. In inference the stock layer also overwrote its input in place (the input
 * being another layer's activations); this one never does. Other activations are the stock layer's. A bean for
 * Jackson, like every DL4J layer configuration.
 *
 * <p>The backward pass of a large ReLU is two vectorised passes, {@code delta = step(x)} then
 * {@code delta *= g}, instead of libnd4j's {@code relu_bp}, which calls a {@code std::function} per element:
 * 11.3 against 3.1 ms for 4 M elements on one thread, 2.8 against 0.4 ms for 1 M (ResNet9's first and
 * second-stage activations at batch 64). Below {@value #TWO_PASS_MIN_ELEMENTS} elements one native call costs
 * more than the per-element difference, and {@code relu_bp} stays.
 */
public class LeanActivation extends ActivationLayer {
    public LeanActivation() {
        super();
    }

    LeanActivation(IActivation fn) {
        super(fn);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        return CustomLayers.wire(new Impl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams, initializer());
    }

    @Override
    public LeanActivation clone() {
        return (LeanActivation) super.clone();
    }

    /** Elements from which ReLU's backward pass is {@code step} and a product rather than {@code relu_bp}. */
    static final long TWO_PASS_MIN_ELEMENTS = 4096;

    static final class Impl extends org.deeplearning4j.nn.layers.ActivationLayer {
        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private boolean plainRelu() {
            return layerConf().getActivationFn() instanceof ActivationReLU r
                    && r.getMax() == null && r.getThreshold() == null && r.getNegativeSlope() == null;
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            if (!plainRelu()) return super.activate(training, mgr);
            assertInputSet(false);
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
            Nd4j.getExecutioner().exec(new RectifiedLinear(input, out));
            return out;
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            if (!plainRelu()) return super.backpropGradient(epsilon, mgr);
            assertInputSet(true);
            INDArray delta = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
            reluBackward(input, epsilon, delta);
            return new Pair<>(new DefaultGradient(), delta);
        }
    }

    /** {@code delta = g where x > 0, else 0}, into {@code delta} (same shape as {@code x} and {@code g}). */
    static void reluBackward(INDArray x, INDArray g, INDArray delta) {
        if (x.length() < TWO_PASS_MIN_ELEMENTS) {
            Nd4j.exec(new RectifiedLinearDerivative(x, g, delta, 0.0));
        } else {
            Nd4j.getExecutioner().exec(new Step(x, delta, 0.0));
            Nd4j.exec(new MulOp(delta, g, delta));
        }
    }
}
