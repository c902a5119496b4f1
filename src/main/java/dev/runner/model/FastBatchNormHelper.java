package dev.runner.model;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * DL4J's oneDNN batch-norm helper with a cheaper training backward pass for NHWC feature maps. The stock
 * {@code batchnorm_bp} op runs oneDNN's backward with the statistics treated as constants and then adds the
 * terms through the batch mean and variance in about ten more full-size passes (several of them reductions over
 * all but the last axis). Here the whole gradient is computed from two per-channel sums of the [N*H*W, C] view,
 * in seven passes and one temporary:
 * <pre>
 *   dbeta  = sum g
 *   dgamma = invstd * sum g (x - mean)
 *   dx     = g * gamma invstd  -  (x - mean) * gamma invstd^2 dgamma / M  -  gamma invstd dbeta / M
 * </pre>
 * Forward passes and every other case (NCHW, dense inputs, non-float) are the stock helper's.
 */
final class FastBatchNormHelper extends MKLDNNBatchNormHelper {
    private static final Field HELPER_FIELD;

    static {
        Field f;
        try {
            f = BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            f = null;
        }
        HELPER_FIELD = f;
    }

    /** Per-channel sums of the [N*H*W, C] views. */
    private final ColumnSums sums = new ColumnSums();
    private INDArray batchMean;
    private INDArray batchVar;
    /** Whether the last training forward pass computed the batch statistics here (NHWC) or in the stock helper. */
    private boolean ownStats;

    FastBatchNormHelper(DataType dataType) {
        super(dataType);
    }

    /**
     * Replaces the oneDNN helper of every batch-norm layer of {@code graph} by this one; layers without a
     * helper (helpers off, or no oneDNN) are left alone. Returns how many layers were changed.
     */
    static int install(ComputationGraph graph) {
        if (HELPER_FIELD == null) return 0;
        int n = 0;
        for (Layer l : graph.getLayers()) {
            if (l instanceof BatchNormalization bn && bn.getHelper() != null
                    && bn.getHelper().getClass() == MKLDNNBatchNormHelper.class) {
                try {
                    HELPER_FIELD.set(bn, new FastBatchNormHelper(bn.getParam(BatchNormalizationParamInitializer.GAMMA) == null
                            ? DataType.FLOAT : bn.getParam(BatchNormalizationParamInitializer.GAMMA).dataType()));
                    n++;
                } catch (IllegalAccessException e) {
                    return n;
                }
            }
        }
        return n;
    }

    private boolean nhwcFloat(INDArray x, CNN2DFormat format) {
        return x.rank() == 4 && format == CNN2DFormat.NHWC && x.dataType() == DataType.FLOAT
                && Shape.hasDefaultStridesForShape(x);
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (!training || !nhwcFloat(x, format)) {
            ownStats = false;
            return super.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        long c = x.size(3);
        long m = x.length() / c;
        INDArray x2 = x.reshape('c', m, c);
        if (batchMean == null || batchMean.length() != c) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                batchMean = Nd4j.createUninitialized(DataType.FLOAT, c);
                batchVar = Nd4j.createUninitialized(DataType.FLOAT, c);
            }
        }
        batchMean.assign(sums.of(x2).muli(1.0 / m));
        INDArray xc = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, DataType.FLOAT, m, c);
        Nd4j.exec(new BroadcastSubOp(x2, batchMean, xc, 1));
        xc.muli(xc);
        batchVar.assign(sums.of(xc).muli(1.0 / m));       // biased, as DL4J's helper
        ownStats = true;
        // the stock op with the batch statistics given: normalises exactly as in training mode
        return super.preOutput(x, false, shape, gamma, beta, batchMean, batchVar, decay, eps, format, workspaceMgr);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return ownStats ? batchMean : super.getMeanCache(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return ownStats ? batchVar : super.getVarCache(dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        INDArray mean = getMeanCache(DataType.FLOAT);
        INDArray var = getVarCache(DataType.FLOAT);
        if (input.rank() != 4 || format != CNN2DFormat.NHWC || input.dataType() != DataType.FLOAT
                || epsilon.dataType() != DataType.FLOAT || gamma == null || dGammaView == null || mean == null
                || !Shape.hasDefaultStridesForShape(input)) {
            return super.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        if (!Shape.hasDefaultStridesForShape(epsilon)) epsilon = epsilon.dup('c');
        long c = input.size(3);
        long m = input.length() / c;
        INDArray x = input.reshape('c', m, c);
        INDArray g = epsilon.reshape('c', m, c);

        INDArray dxOut = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape());
        INDArray dx = dxOut.reshape('c', m, c);
        INDArray xc = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, m, c);

        Nd4j.exec(new BroadcastSubOp(x, mean, xc, 1));          // xc = x - mean
        Nd4j.exec(new MulOp(xc, g, dx));                         // dx (scratch) = g * xc
        INDArray sumGXc = sums.of(dx);
        INDArray sumG = sums.of(g);

        INDArray invStd = Transforms.pow(var.add(eps), -0.5, false);
        INDArray gam = gamma.reshape(gamma.length());
        INDArray dGamma = sumGXc.mul(invStd);
        INDArray a = gam.mul(invStd);                            // gamma * invstd
        INDArray b = a.mul(invStd).muli(dGamma).muli(-1.0 / m);  // -gamma invstd^2 dgamma / M
        INDArray k = a.mul(sumG).muli(-1.0 / m);                 // -gamma invstd dbeta / M

        Nd4j.exec(new BroadcastMulOp(g, a, dx, 1));              // dx = g * a
        Nd4j.exec(new BroadcastMulOp(xc, b, xc, 1));             // xc = xc * b
        dx.addi(xc);
        Nd4j.exec(new BroadcastAddOp(dx, k, dx, 1));

        dGammaView.reshape(dGammaView.length()).assign(dGamma);
        dBetaView.reshape(dBetaView.length()).assign(sumG);
        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dxOut);
    }
}
