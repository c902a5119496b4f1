package dev.runner.model.onednn;

import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.util.List;
import org.bytedeco.dnnl.global.dnnl;

/** global_avgpool and global_maxpool: a pooling over the whole map, then its [N, C, 1, 1] as an [N, C] vector. */
final class GlobalPoolEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        GlobalPool g = (GlobalPool) node.layer();
        dnnl.algorithm alg = g.op().equals("max") ? dnnl.algorithm.pooling_max
                : dnnl.algorithm.pooling_avg_exclude_padding;
        Tensor[] out = new Tensor[1];
        Runnable poolBack = PoolEmitter.steps(plan, in, alg, new long[] {in.dims[0], in.dims[1], 1, 1},
                new long[] {1, 1}, new long[] {in.dims[2], in.dims[3]}, new long[] {0, 0}, new long[] {0, 0}, out);
        out[0].consumers = 1;
        Tensor v = FlattenEmitter.flatten(plan, out[0]);
        plan.register(node.name(), v);
        Runnable flatBack = FlattenEmitter.backward(plan, v, out[0]);
        return () -> {
            flatBack.run();
            poolBack.run();
        };
    }
}
