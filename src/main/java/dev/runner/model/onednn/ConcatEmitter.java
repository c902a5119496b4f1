package dev.runner.model.onednn;

import static dev.runner.model.onednn.Mem.plain;

import dev.runner.spec.LayerNode;
import java.util.List;
import org.bytedeco.dnnl.memory;

/**
 * concat of any number of inputs along channels (maps of the same height and width, or vectors): each input is
 * reordered into its slice of the output, and backward each slice of the output's gradient into that input's.
 * The output is blocked by 16 channels (what a following convolution reads on AVX-512) when every input's
 * channel count is a multiple of 16, else nhwc; a vector is nc.
 */
final class ConcatEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> ins) {
        Tensor first = ins.get(0);
        long[] dims = first.dims.clone();
        boolean by16 = first.isMap();
        dims[1] = 0;
        for (Tensor t : ins) {
            dims[1] += t.dims[1];
            by16 &= t.dims[1] % 16 == 0;
        }
        memory.desc md = plain(dims, !first.isMap() ? memory.format_tag.nc
                : by16 ? memory.format_tag.nChw16c : memory.format_tag.nhwc);
        Tensor out = plan.newTensor(dims, md);
        memory.desc[] slices = new memory.desc[ins.size()];
        long offset = 0;
        for (int i = 0; i < ins.size(); i++) {
            Tensor t = ins.get(i);
            long[] at = new long[dims.length];
            at[1] = offset;
            offset += t.dims[1];
            slices[i] = md.submemory_desc(t.dims, at);
            plan.copy(plan.forward, t.mem, plan.view(slices[i], out.mem));
        }
        plan.register(node.name(), out);
        return () -> {
            for (int i = 0; i < ins.size(); i++) {
                Tensor t = ins.get(i);
                if (plan.needsDiff(t)) plan.contribute(t, plan.view(slices[i], plan.diffOf(out)));
            }
        };
    }
}
