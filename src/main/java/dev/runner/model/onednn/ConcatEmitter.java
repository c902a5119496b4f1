package dev.runner.model.onednn;

import dev.runner.spec.LayerNode;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;

/**
 * concat of any number of inputs along channels (maps of the same height and width, or vectors): each input is
 * reordered into its slice of the output, and backward each slice of the output's gradient into that input's.
 * A map is laid out as a convolution on this CPU reads it ({@link #mapLayout}); a vector is nc.
 */
final class ConcatEmitter implements Emitter {
    /** The channel-blocked layouts of maps that oneDNN's convolutions pick, and their block sizes. */
    private static final Map<memory.format_tag, Integer> BLOCKED =
            Map.of(memory.format_tag.nChw16c, 16, memory.format_tag.nChw8c, 8);

    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> ins) {
        Tensor first = ins.get(0);
        long[] dims = first.dims.clone();
        dims[1] = 0;
        for (Tensor t : ins) dims[1] += t.dims[1];
        memory.desc md = first.isMap() ? mapLayout(plan, dims, ins) : plan.plain(dims, memory.format_tag.nc);
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

    /**
     * The layout a 3x3 convolution on this CPU reads a map of these dimensions in, when it is blocked by channels
     * (by 16 on AVX-512, by 8 on AVX2) and every input fills whole blocks (so each is a slice); else nhwc. The
     * layers that may follow (convolution, pooling, batch norm, element-wise) have fast kernels for both, but not
     * for another ISA's blocks: on AVX2, max pooling and batch norm on maps blocked by 16 fall to oneDNN's
     * reference kernels.
     */
    static memory.desc mapLayout(Plan plan, long[] dims, List<Tensor> ins) {
        long c = dims[1];
        memory.desc nhwc = plan.plain(dims, memory.format_tag.nhwc);
        memory.desc reads;
        try {
            reads = new convolution_forward.primitive_desc(new convolution_forward.desc(plan.fwd,
                    dnnl.algorithm.convolution_direct, plan.any(dims), plan.any(new long[] {c, c, 3, 3}),
                    new memory.desc(), plan.any(dims), new long[] {1, 1}, new long[] {0, 0}, new long[] {1, 1},
                    new long[] {1, 1}), plan.eng).src_desc();
        } catch (RuntimeException noConvolution) {   // none of this type here: the plain layout every kernel reads
            return nhwc;
        }
        for (Map.Entry<memory.format_tag, Integer> blocked : BLOCKED.entrySet()) {
            memory.desc md = plan.plain(dims, blocked.getKey());
            int block = blocked.getValue();
            if (Mem.same(md, reads) && ins.stream().allMatch(t -> t.dims[1] % block == 0)) return md;
        }
        return nhwc;
    }
}
