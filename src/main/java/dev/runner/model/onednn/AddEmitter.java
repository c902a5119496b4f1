package dev.runner.model.onednn;

import dev.runner.spec.LayerNode;
import java.util.List;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;

/**
 * add of any number of inputs: binary adds, in the first input's layout. Backward, each input gets the output's
 * gradient: the very buffer when it has no other reader and the same layout, else added into its own.
 */
final class AddEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> ins) {
        Tensor first = ins.get(0);
        Tensor out = plan.newTensor(first.dims, first.md);
        for (int i = 1; i < ins.size(); i++) {
            memory a = i == 1 ? first.mem : out.mem;
            memory.desc aMd = i == 1 ? first.md : out.md;
            binary.primitive_desc pd = new binary.primitive_desc(
                    new binary.desc(dnnl.algorithm.binary_add, aMd, ins.get(i).md, out.md), plan.eng);
            plan.exec(plan.forward, new binary(pd), dnnl.DNNL_ARG_SRC_0, a, dnnl.DNNL_ARG_SRC_1, ins.get(i).mem,
                    dnnl.DNNL_ARG_DST, out.mem);
        }
        plan.register(node.name(), out);
        return () -> {
            for (Tensor t : ins) {
                if (!plan.needsDiff(t)) continue;
                if (t.consumers == 1 && t.diff == null && Mem.same(t.md, out.md)) {
                    t.diff = plan.diffOf(out);     // its only reader passes the gradient through: share it
                    t.diffWritten = true;
                } else {
                    plan.contribute(t, plan.diffOf(out));
                }
            }
        };
    }
}
