package dev.runner.model.onednn;

import static dev.runner.model.onednn.Mem.floats;

import dev.runner.spec.LayerNode;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * batchnorm, on feature maps (per channel) and on vectors (per feature); in training with the batch's statistics,
 * in inference with the running ones. Where the ReLU after it is its only reader, that ReLU runs inside it
 * ({@code fuse_norm_relu}, its mask in a workspace). The running statistics are DL4J's parameters: their update
 * is written as the "gradient" DL4J's updater subtracts ({@code BatchNormalization.backpropGradient}), from the
 * batch's mean and biased variance. In training (batch statistics: reductions whose threads meet at oneDNN's spinning
 * barriers) it runs on one thread ({@link OmpThreads}).
 */
final class BatchNormEmitter implements Emitter {
    private static final String GAMMA = "gamma";
    private static final String BETA = "beta";
    private static final String MEAN = "mean";
    private static final String VAR = "var";
    private static final String LOG_STD = "log10stdev";

    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        String name = node.name();
        boolean relu = plan.normWithRelu(name);
        BatchNormalization b = (BatchNormalization) plan.step.layer(name).conf().getLayer();
        int c = (int) in.dims[1];
        float eps = (float) b.getEps();
        boolean training = plan.training;
        int flags = dnnl.dnnl_use_scale | dnnl.dnnl_use_shift | (relu ? dnnl.dnnl_fuse_norm_relu : 0)
                | (training ? 0 : dnnl.dnnl_use_global_stats);
        // with the batch's statistics (reductions whose threads meet at spinning barriers), on one thread: oneDNN
        // fixes a primitive's thread count when it is made, so it is made on one thread (and run on one)
        Supplier<batch_normalization_forward.primitive_desc> makeFpd = () ->
                new batch_normalization_forward.primitive_desc(
                        new batch_normalization_forward.desc(plan.fwd.value, in.md, eps, flags), plan.eng);
        batch_normalization_forward.primitive_desc fpd = training ? OmpThreads.alone(makeFpd) : makeFpd.get();
        Tensor out = plan.newTensor(in.dims, fpd.dst_desc());
        memory mean = plan.alloc(fpd.mean_desc());
        memory var = plan.alloc(fpd.variance_desc());
        memory ws = relu && training ? plan.alloc(fpd.workspace_desc()) : null;
        memory gammaM = plan.vector(plan.step.param(name, GAMMA));
        memory betaM = plan.vector(plan.step.param(name, BETA));
        // DL4J's running statistics: the mean, and the variance or log10 of the standard deviation
        boolean logStd = b.isUseLogStd();
        String varKey = logStd ? LOG_STD : VAR;
        FloatBuffer bMean = floats(mean.get_data_handle(), c);
        FloatBuffer bVar = floats(var.get_data_handle(), c);
        FloatBuffer pMean = floats(plan.step.param(name, MEAN));
        FloatBuffer pVar = floats(plan.step.param(name, varKey));
        if (!training) {   // normalise with them, as DL4J's inference: var = (10^log10std)^2
            plan.forward.add(() -> {
                for (int i = 0; i < c; i++) {
                    bMean.put(i, pMean.get(i));
                    double std = logStd ? Math.pow(10.0, pVar.get(i)) : 0;
                    bVar.put(i, logStd ? (float) (std * std) : pVar.get(i));
                }
            });
        }
        batch_normalization_forward fwd = training
                ? plan.onOneThread(() -> new batch_normalization_forward(fpd))
                : new batch_normalization_forward(fpd);
        plan.exec(plan.forward, fwd, dnnl.DNNL_ARG_SRC, in.mem,
                dnnl.DNNL_ARG_DST, out.mem, dnnl.DNNL_ARG_SCALE, gammaM, dnnl.DNNL_ARG_SHIFT, betaM,
                dnnl.DNNL_ARG_MEAN, mean, dnnl.DNNL_ARG_VARIANCE, var, dnnl.DNNL_ARG_WORKSPACE, ws);
        plan.register(name, out);
        if (!training) return null;
        double decay = b.getDecay();
        FloatBuffer dMean = floats(plan.step.gradient(name, MEAN));
        FloatBuffer dVar = floats(plan.step.gradient(name, varKey));
        double oneOn2LogE10 = 1.0 / (2.0 * Math.log(10.0));
        plan.forward.add(() -> {
            for (int i = 0; i < c; i++) {
                dMean.put(i, (float) ((pMean.get(i) - bMean.get(i)) * (1 - decay)));
                if (logStd) {
                    double vi = Math.pow(10.0, pVar.get(i));
                    vi *= vi;
                    double vip1 = vi * decay + bVar.get(i) * (1 - decay);
                    dVar.put(i, (float) (Math.log(vi / vip1) * oneOn2LogE10));
                } else {
                    dVar.put(i, (float) ((pVar.get(i) - bVar.get(i)) * (1 - decay)));
                }
            }
        });
        return () -> {
            batch_normalization_backward bwd = plan.onOneThread(() -> new batch_normalization_backward(
                    new batch_normalization_backward.primitive_desc(new batch_normalization_backward.desc(
                            dnnl.prop_kind.backward.value, out.md, in.md, eps, flags), plan.eng, fpd)));
            INDArray dg = plan.step.gradient(name, GAMMA);
            INDArray db = plan.step.gradient(name, BETA);
            plan.execInto(in, bwd, dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_SRC,
                    in.mem, dnnl.DNNL_ARG_MEAN, mean, dnnl.DNNL_ARG_VARIANCE, var, dnnl.DNNL_ARG_DIFF_DST,
                    plan.diffOf(out), dnnl.DNNL_ARG_SCALE, gammaM, dnnl.DNNL_ARG_SHIFT, betaM,
                    dnnl.DNNL_ARG_DIFF_SCALE, plan.vector(dg), dnnl.DNNL_ARG_DIFF_SHIFT, plan.vector(db),
                    dnnl.DNNL_ARG_WORKSPACE, ws);
        };
    }
}
