package dev.runner.model.onednn;

import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.Scale;
import java.util.List;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl;

/** A scale layer, {@code factor * x}: oneDNN's {@code eltwise_linear} (alpha = factor, beta = 0), both ways. */
final class ScaleEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        float factor = (float) ((Scale) node.layer()).factor();
        Tensor out = plan.newTensor(in.dims, in.md);
        int alg = dnnl.algorithm.eltwise_linear.value;
        eltwise_forward.primitive_desc fpd = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                plan.fwd.value, alg, in.md, factor, 0f), plan.eng);
        plan.exec(plan.forward, new eltwise_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_DST, out.mem);
        plan.register(node.name(), out);
        return () -> {
            if (!plan.needsDiff(in)) return;
            eltwise_backward.primitive_desc bpd = new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                    alg, out.md, in.md, factor, 0f), plan.eng, fpd);
            plan.execInto(in, new eltwise_backward(bpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_SRC, in.mem,
                    dnnl.DNNL_ARG_DIFF_DST, plan.diffOf(out));
        };
    }
}
