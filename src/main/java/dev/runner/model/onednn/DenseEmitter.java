package dev.runner.model.onednn;

import dev.runner.spec.layers.Dense;
import static dev.runner.model.onednn.Mem.flatDesc;
import static dev.runner.model.onednn.Mem.viewDesc;

import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.util.List;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.inner_product_backward_data;
import org.bytedeco.dnnl.inner_product_backward_weights;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * dense: oneDNN's inner product on the graph's own [in, out] weights (in f32 read in place, no reorder; in bf16
 * through the step's bf16 copy), with or without bias, with its own activation. The weights' gradient, always f32,
 * is written in place. Its output is a plain [N, units] buffer (the loss reads it as is in f32).
 */
final class DenseEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        Dense d = (Dense) node.layer();
        String name = node.name();
        if (in.isMap()) throw new IllegalStateException("a dense layer on a feature map");
        INDArray wv = plan.step.param(name, "W");    // [nIn, nOut]
        INDArray bv = d.bias() ? plan.step.param(name, "b") : null;
        long n = in.dims[0];
        long[] outDims = {n, wv.size(1)};
        memory.desc wMd = viewDesc(wv, 1, 0);           // oneDNN's {out, in}
        // f32: the graph's weights as they are; bf16: the step's bf16 copy in the layout oneDNN picks
        boolean f32 = plan.type == memory.data_type.f32;
        memory.desc wRead = f32 ? wMd : plan.any(new long[] {wv.size(1), wv.size(0)});
        memory.desc bMd = bv == null ? new memory.desc() : flatDesc(bv);
        memory.desc oMd = plan.plain(outDims, memory.format_tag.nc);
        inner_product_forward.primitive_desc fpd = new inner_product_forward.primitive_desc(
                new inner_product_forward.desc(plan.fwd, in.md, wRead, bMd, oMd), plan.eng);
        Tensor out = plan.newTensor(outDims, oMd);
        memory userW = new memory(wMd, plan.eng, new Mem.Raw(Mem.address(wv)));
        memory wM = plan.weights(name + "/W", userW, fpd.weights_desc());
        plan.exec(plan.forward, new inner_product_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_WEIGHTS, wM,
                dnnl.DNNL_ARG_BIAS, plan.vector(bv), dnnl.DNNL_ARG_DST, out.mem);
        Runnable act = ActivationEmitter.after(plan, name, out, d.activation());
        return () -> {
            if (act != null) act.run();
            INDArray gw = plan.step.gradient(name, "W");
            memory.desc gwMd = viewDesc(gw, 1, 0);
            INDArray gb = bv == null ? null : plan.step.gradient(name, "b");
            memory.desc gbMd = gb == null ? new memory.desc() : flatDesc(gb);
            inner_product_backward_weights.primitive_desc wpd = new inner_product_backward_weights.primitive_desc(
                    new inner_product_backward_weights.desc(in.md, gwMd, gbMd, oMd), plan.eng, fpd);
            memory gwM = new memory(gwMd, plan.eng, new Mem.Raw(Mem.address(gw)));
            plan.exec(plan.backward, new inner_product_backward_weights(wpd), dnnl.DNNL_ARG_SRC, in.mem,
                    dnnl.DNNL_ARG_DIFF_DST, plan.diffOf(out), dnnl.DNNL_ARG_DIFF_WEIGHTS, gwM,
                    dnnl.DNNL_ARG_DIFF_BIAS, plan.vector(gb));
            if (!plan.needsDiff(in)) return;
            inner_product_backward_data.primitive_desc dpd = new inner_product_backward_data.primitive_desc(
                    new inner_product_backward_data.desc(in.md, wRead, oMd), plan.eng, fpd);
            plan.execInto(in, new inner_product_backward_data(dpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_DST,
                    plan.diffOf(out), dnnl.DNNL_ARG_WEIGHTS, plan.weights(name + "/W", userW, dpd.weights_desc()));
        };
    }
}
