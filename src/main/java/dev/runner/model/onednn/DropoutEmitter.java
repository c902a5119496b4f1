package dev.runner.model.onednn;

import dev.runner.spec.layers.Dropout;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.nio.FloatBuffer;
import java.util.List;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;

/**
 * dropout with PyTorch's semantics: in training, the input times a {@link DropoutMask} (0, or 1/(1-p) for a kept
 * element), drawn for each step from (seed, layer, iteration) in PyTorch's logical order and reordered into the
 * input's layout; its gradient is the output's times the same mask. In inference, and with p = 0, the identity.
 */
final class DropoutEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        double p = ((Dropout) node.layer()).p();
        String name = node.name();
        if (!plan.training || p == 0) {
            plan.alias(name, in);
            return null;
        }
        long n = 1;
        for (long d : in.dims) n *= d;
        memory plainMask = plan.alloc(Mem.logical(in.dims));
        FloatBuffer values = Mem.floats(plainMask.get_data_handle(), n);
        long count = n;
        OneDnnStep step = plan.step;
        plan.forward.add(() -> DropoutMask.fill(values, count, DropoutMask.key(step.seed(), name, step.iteration()), p));
        memory mask = plan.as(plainMask, in.md, plan.forward);
        Tensor out = plan.newTensor(in.dims, in.md);
        plan.exec(plan.forward, multiply(plan, in.md), dnnl.DNNL_ARG_SRC_0, in.mem, dnnl.DNNL_ARG_SRC_1, mask,
                dnnl.DNNL_ARG_DST, out.mem);
        plan.register(name, out);
        return () -> {
            if (!plan.needsDiff(in)) return;
            plan.execInto(in, multiply(plan, in.md), dnnl.DNNL_ARG_DST, dnnl.DNNL_ARG_SRC_0, plan.diffOf(out),
                    dnnl.DNNL_ARG_SRC_1, mask);
        };
    }

    private static binary multiply(Plan plan, memory.desc md) {
        return new binary(new binary.primitive_desc(new binary.desc(dnnl.algorithm.binary_mul, md, md, md), plan.eng));
    }
}
