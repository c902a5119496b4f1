package dev.runner.model;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's dense layer without the forward pass its backward pass repeats. The stock {@code backpropGradient}
 * computes {@code x.W + b} again to take the activation's derivative, even for the identity, which is what every
 * dense layer the compiler emits has unless the experiment puts an {@code activation:} on it (a separate
 * {@code relu} layer follows instead). On the tutorial CNN at batch 4 that repeat was about 4 % of a training step
 * (JFR). Everything else, and every case with an activation, layer norm or weight noise, is the stock code. The
 * configuration is the stock one, so a saved network computes the same results; a bean for Jackson, as every
 * DL4J layer configuration.
 */
public class LeanDense extends DenseLayer {
    public LeanDense() {
        super();
    }

    /** The layer {@code b} describes, after the stock builder's own checks. */
    static LeanDense of(DenseLayer.Builder b) {
        DenseLayer stock = b.build();
        LeanDense lean = new LeanDense();
        // the stock constructor from a builder is private: copy what it set, field by field
        for (Class<?> c = DenseLayer.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) continue;
                try {
                    f.setAccessible(true);
                    f.set(lean, f.get(stock));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy DenseLayer." + f.getName(), e);
                }
            }
        }
        return lean;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        LayerValidation.assertNInNOutSet("DenseLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return CustomLayers.wire(new Impl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams, initializer());
    }

    @Override
    public LeanDense clone() {
        return (LeanDense) super.clone();
    }

    static final class Impl extends org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer {
        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Whether the stock backward pass would recompute a pre-activation it does not need. */
        private boolean lean() {
            var c = layerConf();
            return c.getActivationFn() instanceof ActivationIdentity && !c.hasLayerNorm() && c.getWeightNoise() == null;
        }

        /** The stock backward pass (BaseLayer's) with the identity's delta = epsilon and no forward recompute. */
        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            if (!lean()) return super.backpropGradient(epsilon, workspaceMgr);
            assertInputSet(true);
            INDArray delta = epsilon;
            if (maskArray != null) applyMask(delta);
            Gradient ret = new DefaultGradient();
            if (hasBias()) {
                INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
                delta.sum(biasGrad, 0);
                ret.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
            }
            INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
            INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                    new long[] {w.size(0), delta.size(0)}, 'f');
            epsilonNext = w.mmuli(delta.transpose(), epsilonNext).transpose();
            INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
            Nd4j.gemm(input.castTo(weightGrad.dataType()), delta, weightGrad, true, false, 1.0, 0.0);
            ret.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
            weightNoiseParams.clear();
            return new Pair<>(ret, backpropDropOutIfPresent(epsilonNext));
        }
    }
}
