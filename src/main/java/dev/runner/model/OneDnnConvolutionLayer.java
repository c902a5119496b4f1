package dev.runner.model;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J M2.1's convolution layer without two pieces of wasted work on the oneDNN path in NHWC:
 * <ul>
 *   <li>the stock {@code preOutput} copies an NHWC input into a new NCHW array on every call, then hands the
 *       original NHWC input to the oneDNN helper and never reads the copy;</li>
 *   <li>the stock {@code backpropGradient} runs the whole forward convolution again (to get the pre-activation
 *       for the activation's derivative) even when the activation is the identity, as it is for every
 *       convolution the compiler emits unless the experiment puts an {@code activation:} on it.</li>
 * </ul>
 * It also fixes a stock bug: with an activation of its own (a conv with {@code activation: relu}), NHWC and the
 * oneDNN helper, the stock layer's gradients are wrong (weights and the layers below off by up to 0.6 on a small
 * network; {@code BackendTest} compares against the plain path). Where none of this applies (no oneDNN helper,
 * NCHW, a non-float type, weight noise, a helper that declines) the stock code runs; dilated convolutions never
 * use the helper. The backward pass of the small convolutions oneDNN is slow at is {@link GemmConvBackprop}'s; a
 * convolution that reads the network's input (its input gradient is thrown away) computes only its weight and
 * bias gradients where {@link WeightOnlyConvBackprop} is faster, and then returns no input gradient.
 */
final class OneDnnConvolutionLayer extends ConvolutionLayer {

    /** The backward pass for the convolutions oneDNN is slow at; created on first use. */
    private GemmConvBackprop gemm;
    /** Set by {@link #markInputLayers}: nothing reads this layer's input gradient. */
    private boolean inputGradientUnused;
    /** The weight-only backward pass, for a layer whose input gradient is unused; created on first use. */
    private WeightOnlyConvBackprop weightOnly;

    OneDnnConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        int[] d = layerConf().getDilation();
        if (d[0] != 1 || d[1] != 1) {
            // libnd4j's oneDNN convolution refuses dilated kernels ("could not create a descriptor for a dilated
            // convolution"); the stock layer would try, log a warning with a stack trace, and fall back. Go
            // straight to DL4J's own implementation.
            helperCountFail = 1;
        }
    }

    /**
     * Marks the convolutions of {@code graph} that read only the network's inputs, without a preprocessor: their
     * input gradient is discarded by the graph (it is the gradient with respect to the data), so they may skip
     * it. Returns how many were marked. After this, {@code ComputationGraph.backpropGradient} no longer returns
     * input gradients for such a layer; the runner never asks for them.
     */
    static int markInputLayers(ComputationGraph graph) {
        int n = 0;
        for (GraphVertex v : graph.getVertices()) {
            if (!(v instanceof LayerVertex lv) || !(lv.getLayer() instanceof OneDnnConvolutionLayer layer)
                    || lv.getLayerPreProcessor() != null || v.getInputVertices() == null) {
                continue;
            }
            boolean fromInput = true;
            for (VertexIndices in : v.getInputVertices()) {
                fromInput &= graph.getVertices()[in.getVertexIndex()].isInputVertex();
            }
            if (fromInput) {
                layer.inputGradientUnused = true;
                n++;
            }
        }
        return n;
    }

    private boolean onednnNhwc() {
        return helper instanceof MKLDNNConvHelper && helperCountFail == 0
                && layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC
                && input != null && input.dataType() == DataType.FLOAT && dataType == DataType.FLOAT
                && layerConf().getWeightNoise() == null;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (!onednnNhwc()) return super.preOutput(training, forBackprop, workspaceMgr);
        assertInputSet(false);
        validateInputRank();
        INDArray weights = getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        validateInputDepth(weights.size(1));
        INDArray bias = hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : noBias();
        var c = layerConf();
        INDArray out;
        try {
            out = helper.preOutput(input, weights, bias, c.getKernelSize(), c.getStride(), c.getPadding(),
                    c.getCudnnAlgoMode(), c.getCudnnFwdAlgo(), convolutionMode, c.getDilation(), CNN2DFormat.NHWC,
                    workspaceMgr);
        } catch (RuntimeException e) {
            out = declined(e);
        }
        return out == null ? super.preOutput(training, forBackprop, workspaceMgr) : new Pair<>(out, null);
    }

    /**
     * As the stock layer does when oneDNN fails (other than for memory): from now on this layer uses DL4J's own
     * implementation. Returns null, the helper's "not done".
     */
    private <T> T declined(RuntimeException e) {
        if (e.getMessage() != null && e.getMessage().contains("Failed to allocate")) throw e;
        helperCountFail++;
        return null;
    }

    /** The zero bias the oneDNN op is given for a convolution without one, as the stock layer does. */
    private INDArray noBias() {
        if (dummyBias == null) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                dummyBias = Nd4j.create(DataType.FLOAT, 1, layerConf().getNOut());
            }
        }
        return dummyBias;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!onednnNhwc() || epsilon.dataType() != DataType.FLOAT) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        var c = layerConf();
        INDArray delta = epsilon;
        if (!(c.getActivationFn() instanceof ActivationIdentity)) {
            // The pre-activation, recomputed as the stock layer does, but kept in NHWC: the stock code takes the
            // activation's derivative on NCHW-permuted views of z and epsilon, which gives wrong gradients here.
            INDArray z = preOutput(true, true, workspaceMgr).getFirst();
            delta = c.getActivationFn().backprop(z, epsilon).getFirst();
        }
        INDArray weights = getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray bias = hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : null;
        INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
        INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        if (inputGradientUnused) {
            int[] padTop = padTop(delta);
            if (WeightOnlyConvBackprop.preferredFor(c.getKernelSize(), c.getStride(), c.getDilation(), padTop,
                    padBottom(delta, padTop), delta.length())) {
                if (weightOnly == null) weightOnly = new WeightOnlyConvBackprop();
                weightOnly.backprop(input, delta, c.getKernelSize(), padTop, weightGrad, biasGrad);
                return new Pair<>(gradient(weightGrad, biasGrad), null); // the graph discards a first layer's epsilon
            }
        }
        Pair<Gradient, INDArray> ret;
        if (GemmConvBackprop.preferredFor(c.getKernelSize(), c.getStride(), c.getDilation(), delta.size(1),
                delta.size(2))) {
            ret = gemmBackprop(delta, weights, weightGrad, biasGrad, padTop(delta), workspaceMgr);
        } else {
            try {
                ret = helper.backpropGradient(input, weights, bias, delta, c.getKernelSize(),
                        c.getStride(), c.getPadding(), biasGrad, weightGrad, c.getActivationFn(),
                        c.getCudnnAlgoMode(), c.getCudnnBwdFilterAlgo(), c.getCudnnBwdDataAlgo(), convolutionMode,
                        c.getDilation(), CNN2DFormat.NHWC, workspaceMgr);
            } catch (RuntimeException e) {
                ret = declined(e);
            }
        }
        if (ret == null) return super.backpropGradient(epsilon, workspaceMgr);
        ret.setSecond(backpropDropOutIfPresent(ret.getSecond()));
        return ret;
    }

    /** Whether a backward pass of this layer has gone through {@link GemmConvBackprop}. */
    boolean usedGemmBackprop() {
        return gemm != null;
    }

    /** Whether a backward pass of this layer has gone through {@link WeightOnlyConvBackprop}. */
    boolean usedWeightOnlyBackprop() {
        return weightOnly != null;
    }

    /** The top and left padding for the output gradient {@code delta} (NHWC), as the op is given it. */
    private int[] padTop(INDArray delta) {
        var c = layerConf();
        return convolutionMode == ConvolutionMode.Same
                ? ConvolutionUtils.getSameModeTopLeftPadding(new int[] {(int) delta.size(1), (int) delta.size(2)},
                        new int[] {(int) input.size(1), (int) input.size(2)}, c.getKernelSize(), c.getStride(),
                        c.getDilation())
                : c.getPadding();
    }

    /**
     * The bottom and right padding the output size implies: what the kernel reaches past the input's end at the
     * last output position (for dilation 1; the paths that use it have no dilation).
     */
    private int[] padBottom(INDArray delta, int[] padTop) {
        var c = layerConf();
        int[] k = c.getKernelSize(), s = c.getStride();
        return new int[] {(int) ((delta.size(1) - 1) * s[0] + k[0] - input.size(1) - padTop[0]),
                (int) ((delta.size(2) - 1) * s[1] + k[1] - input.size(2) - padTop[1])};
    }

    /** The gradients by {@link GemmConvBackprop}, in the form the helper returns them. */
    private Pair<Gradient, INDArray> gemmBackprop(INDArray delta, INDArray weights, INDArray weightGrad,
                                                  INDArray biasGrad, int[] padTop, LayerWorkspaceMgr workspaceMgr) {
        var c = layerConf();
        if (gemm == null) gemm = new GemmConvBackprop();
        INDArray gradInput = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        gemm.backprop(input, weights, delta, c.getKernelSize(), c.getStride(), padTop, weightGrad, biasGrad,
                gradInput);
        return new Pair<>(gradient(weightGrad, biasGrad), gradInput);
    }

    private static Gradient gradient(INDArray weightGrad, INDArray biasGrad) {
        Gradient g = new DefaultGradient();
        if (biasGrad != null) g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad);
        return g;
    }
}
