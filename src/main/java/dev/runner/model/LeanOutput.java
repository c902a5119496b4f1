package dev.runner.model;

import java.util.Arrays;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * DL4J's output layer without the forward pass a training step repeats. In a training step the graph does not
 * run the output layer forward; its backward pass computes {@code x.W + b} for the loss gradient, and the score
 * that follows computes it again. For the compiler's head (softmax and cross-entropy, no dropout, no weight
 * noise) this layer keeps a copy of the backward pass's pre-activation and hands it to the loss, whose softmax
 * works on a copy of its own, for the score right after, on the same input; then the copy is spent. On the
 * tutorial CNN at batch 4 the repeat was about 2 % of a training step (JFR). Every other case is the stock code.
 * The configuration is the stock one, so a saved network computes the same results.
 */
public class LeanOutput extends OutputLayer {
    public LeanOutput() {
        super();
    }

    /** The layer {@code b} describes, after the stock builder's own checks. */
    static LeanOutput of(OutputLayer.Builder b) {
        b.build();
        return new LeanOutput(b);
    }

    private LeanOutput(OutputLayer.Builder b) {
        super(b);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        LayerValidation.assertNInNOutSet("OutputLayer", getLayerName(), layerIndex, getNIn(), getNOut());
        return CustomLayers.wire(new Impl(conf, networkDataType), conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams, initializer());
    }

    @Override
    public LeanOutput clone() {
        return (LeanOutput) super.clone();
    }

    static final class Impl extends org.deeplearning4j.nn.layers.OutputLayer {
        /** A copy of the pre-activation the last backward pass computed (outside any workspace, reused). */
        private INDArray z;
        /** The input {@link #z} was computed from; null when there is none to reuse. */
        private INDArray zInput;
        private boolean keepNext;
        private boolean useKept;
        /** How many times the kept pre-activation stood in for a recomputed one. */
        private long reused;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** Softmax with cross-entropy, whose loss never writes to the pre-activation it is given. */
        private boolean lean() {
            var c = layerConf();
            return c.getLossFn() instanceof LossMCXENT && c.getActivationFn() instanceof ActivationSoftmax
                    && c.getIDropout() == null && c.getWeightNoise() == null;
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            zInput = null;
            keepNext = lean();
            try {
                return super.backpropGradient(epsilon, workspaceMgr);
            } finally {
                keepNext = false;
            }
        }

        /** The score right after a backward pass on the same input reuses that pass's pre-activation, once. */
        @Override
        public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
            useKept = training && zInput != null && zInput == input && lean();
            try {
                return super.computeScore(fullNetRegTerm, training, workspaceMgr);
            } finally {
                useKept = false;
                zInput = null;
            }
        }

        @Override
        protected INDArray preOutput2d(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (useKept) {
                reused++;
                return z;
            }
            INDArray pre = super.preOutput2d(training, workspaceMgr);
            if (keepNext && training) keep(pre);
            return pre;
        }

        private void keep(INDArray pre) {
            if (z == null || z.dataType() != pre.dataType() || !Arrays.equals(z.shape(), pre.shape())) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    z = pre.dup('c');
                }
            } else {
                z.assign(pre);
            }
            zInput = input;
        }

        /** How many times the kept pre-activation stood in for a recomputed one. */
        long reusedPreOutputs() {
            return reused;
        }

        @Override
        public void clear() {
            zInput = null;
            super.clear();
        }
    }
}
