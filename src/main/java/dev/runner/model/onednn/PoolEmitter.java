package dev.runner.model.onednn;

import dev.runner.spec.layers.Pool;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.util.List;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;

/**
 * maxpool and avgpool (explicit or {@code same} padding), and through {@link #steps} the global pools. Max
 * pooling never picks a padded position; average pooling counts the padding in the divisor, as PyTorch's
 * default {@code count_include_pad=True} (oneDNN's {@code pooling_avg_include_padding}).
 */
final class PoolEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        Pool p = (Pool) node.layer();
        long[] h = ConvEmitter.spatial(in.dims[2], p.kernel()[0], p.stride()[0], 1, ConvEmitter.pad(p.padding(), 0));
        long[] w = ConvEmitter.spatial(in.dims[3], p.kernel()[1], p.stride()[1], 1, ConvEmitter.pad(p.padding(), 1));
        dnnl.algorithm alg = p.op().equals("max") ? dnnl.algorithm.pooling_max
                : dnnl.algorithm.pooling_avg_include_padding;
        Tensor[] out = new Tensor[1];
        Runnable back = steps(plan, in, alg, new long[] {in.dims[0], in.dims[1], h[0], w[0]},
                new long[] {p.stride()[0], p.stride()[1]}, new long[] {p.kernel()[0], p.kernel()[1]},
                new long[] {h[1], w[1]}, new long[] {h[2], w[2]}, out);
        plan.register(node.name(), out[0]);
        return back;
    }

    /** Forward steps of a pooling from {@code in} into a new {@code out[0]}; returns its backward builder. */
    static Runnable steps(Plan plan, Tensor in, dnnl.algorithm alg, long[] outDims, long[] strides, long[] kernel,
                          long[] padL, long[] padR, Tensor[] out) {
        pooling_forward.primitive_desc fpd = new pooling_forward.primitive_desc(new pooling_forward.desc(
                plan.fwd, alg, in.md, plan.any(outDims), strides, kernel, padL, padR), plan.eng);
        Tensor o = plan.newTensor(outDims, fpd.dst_desc());
        out[0] = o;
        boolean max = alg == dnnl.algorithm.pooling_max;
        memory ws = max && plan.training ? plan.alloc(fpd.workspace_desc()) : null;
        plan.exec(plan.forward, new pooling_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_DST, o.mem,
                dnnl.DNNL_ARG_WORKSPACE, ws);
        return () -> {
            if (!plan.needsDiff(in)) return;
            pooling_backward.primitive_desc bpd = new pooling_backward.primitive_desc(new pooling_backward.desc(
                    alg, in.md, o.md, strides, kernel, padL, padR), plan.eng, fpd);
            plan.execInto(in, new pooling_backward(bpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_DST,
                    plan.diffOf(o), dnnl.DNNL_ARG_WORKSPACE, ws);
        };
    }
}
