package dev.runner.model.onednn;

import static dev.runner.model.onednn.Mem.plain;

import dev.runner.spec.LayerNode;
import java.util.List;
import org.bytedeco.dnnl.memory;

/**
 * flatten: a feature map as an [N, C·H·W] vector in PyTorch's C, H, W order whatever the layouts (so dense
 * weights mean what they mean in PyTorch); a vector is itself.
 */
final class FlattenEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        if (!in.isMap()) {
            plan.alias(node.name(), in);
            return null;
        }
        Tensor flat = flatten(plan, in);
        plan.register(node.name(), flat);
        return backward(plan, flat, in);
    }

    /** The [N, C·H·W] vector of the map {@code in}, copied into C, H, W order by a forward step. */
    static Tensor flatten(Plan plan, Tensor in) {
        long n = in.dims[0];
        long f = in.dims[1] * in.dims[2] * in.dims[3];
        Tensor out = plan.newTensor(new long[] {n, f}, plain(new long[] {n, f}, memory.format_tag.nc));
        plan.copy(plan.forward, in.mem, plan.view(plain(in.dims, memory.format_tag.nchw), out.mem));
        return out;
    }

    /** The builder of the backward step: the vector's gradient, read as an nchw map, into the map's. */
    static Runnable backward(Plan plan, Tensor flat, Tensor in) {
        return () -> {
            if (!plan.needsDiff(in) || flat.diff == null) return;
            plan.contribute(in, plan.view(plain(in.dims, memory.format_tag.nchw), flat.diff));
        };
    }
}
