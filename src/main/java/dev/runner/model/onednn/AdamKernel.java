package dev.runner.model.onednn;

import java.nio.FloatBuffer;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PyTorch's Adam step over contiguous f32 arrays (gradient, first and second moments) as four of oneDNN's
 * vectorised binary primitives with post-ops:
 * <pre>
 *   m = (1-b1)·g + b1·m          v = (1-b2)·g·g + b2·v
 *   a = sqrt(v / bc2) + eps       g = (lr / bc1) · m / a      (the update, in the gradient's place)
 * </pre>
 * with the bias corrections {@code bc1 = 1 - b1^t}, {@code bc2 = 1 - b2^t} and the learning rate given per step
 * (read from one-element buffers, so the primitives are made once). Why: libnd4j's {@code adam_updater} runs its
 * square root and division one element at a time, 3.9 ms a step for the 1.07 M parameters of
 * {@code bench/networks/gelu_mlp.yaml} on two threads, a third of that network's step (docs/speed.md).
 */
public final class AdamKernel implements AutoCloseable {
    private final long n;
    private final engine eng = new engine(engine.kind.cpu, 0);
    private final stream strm = new stream(eng);
    private final memory g;
    private final memory m;
    private final memory v;
    private final memory a;
    private final memory oneMinusB1;
    private final memory invBc2;
    private final memory lrOverBc1;
    private final FloatBuffer invBc2Value;
    private final FloatBuffer lrOverBc1Value;
    private final binary first;
    private final binary second;
    private final binary denominator;
    private final binary update;
    private final IntMemoryMap firstArgs = new IntMemoryMap();
    private final IntMemoryMap secondArgs = new IntMemoryMap();
    private final IntMemoryMap denominatorArgs = new IntMemoryMap();
    private final IntMemoryMap updateArgs = new IntMemoryMap();

    /** For arrays of {@code n} elements, with PyTorch's betas and epsilon. */
    public AdamKernel(long n, double beta1, double beta2, double epsilon) {
        this.n = n;
        memory.desc x = new memory.desc(new long[] {n}, memory.data_type.f32, memory.format_tag.x);
        memory.desc one = new memory.desc(new long[] {1}, memory.data_type.f32, memory.format_tag.x);
        g = new memory(x, eng, new Mem.Raw(0));
        m = new memory(x, eng, new Mem.Raw(0));
        v = new memory(x, eng, new Mem.Raw(0));
        a = new memory(x, eng);
        oneMinusB1 = new memory(one, eng);
        invBc2 = new memory(one, eng);
        lrOverBc1 = new memory(one, eng);
        Mem.floats(oneMinusB1.get_data_handle(), 1).put(0, (float) (1 - beta1));
        invBc2Value = Mem.floats(invBc2.get_data_handle(), 1);
        lrOverBc1Value = Mem.floats(lrOverBc1.get_data_handle(), 1);
        int postOpSrc1 = dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | dnnl.DNNL_ARG_SRC_1;   // post-op 0's operand

        // m = g·(1-b1) + b1·m
        post_ops p = new post_ops();
        p.append_sum((float) beta1, memory.data_type.undef);
        first = make(dnnl.algorithm.binary_mul, x, one, x, p);
        put(firstArgs, dnnl.DNNL_ARG_SRC_0, g, dnnl.DNNL_ARG_SRC_1, oneMinusB1, dnnl.DNNL_ARG_DST, m);
        // v = (1-b2)·g·g + b2·v
        p = new post_ops();
        p.append_eltwise(1f, dnnl.algorithm.eltwise_linear, (float) (1 - beta2), 0f);
        p.append_sum((float) beta2, memory.data_type.undef);
        second = make(dnnl.algorithm.binary_mul, x, x, x, p);
        put(secondArgs, dnnl.DNNL_ARG_SRC_0, g, dnnl.DNNL_ARG_SRC_1, g, dnnl.DNNL_ARG_DST, v);
        // a = sqrt(v · (1/bc2)) + eps
        p = new post_ops();
        p.append_eltwise(1f, dnnl.algorithm.eltwise_sqrt, 0f, 0f);
        p.append_eltwise(1f, dnnl.algorithm.eltwise_linear, 1f, (float) epsilon);
        denominator = make(dnnl.algorithm.binary_mul, x, one, x, p);
        put(denominatorArgs, dnnl.DNNL_ARG_SRC_0, v, dnnl.DNNL_ARG_SRC_1, invBc2, dnnl.DNNL_ARG_DST, a);
        // g = m / a · (lr/bc1)
        p = new post_ops();
        p.append_binary(dnnl.algorithm.binary_mul, one);
        update = make(dnnl.algorithm.binary_div, x, x, x, p);
        put(updateArgs, dnnl.DNNL_ARG_SRC_0, m, dnnl.DNNL_ARG_SRC_1, a, dnnl.DNNL_ARG_DST, g, postOpSrc1, lrOverBc1);
    }

    private binary make(dnnl.algorithm alg, memory.desc src0, memory.desc src1, memory.desc dst, post_ops p) {
        primitive_attr attr = new primitive_attr();
        attr.set_post_ops(p);
        return new binary(new binary.primitive_desc(new binary.desc(alg, src0, src1, dst), attr, eng));
    }

    private static void put(IntMemoryMap args, Object... pairs) {
        for (int i = 0; i < pairs.length; i += 2) args.put((Integer) pairs[i], (memory) pairs[i + 1]);
    }

    /** Whether the kernel can run on these arrays: f32, {@code n} elements each, contiguous. */
    public boolean accepts(INDArray grad, INDArray first, INDArray second) {
        for (INDArray x : new INDArray[] {grad, first, second}) {
            if (x.dataType() != DataType.FLOAT || x.length() != n || x.elementWiseStride() != 1) return false;
        }
        // the same elements in the same memory order: one shape, and one order unless at most one axis is longer
        // than 1 (DL4J hands the updater a 'c' gradient with 'f' moments, all [n])
        if (!java.util.Arrays.equals(grad.shape(), first.shape())
                || !java.util.Arrays.equals(grad.shape(), second.shape())) {
            return false;
        }
        long longAxes = java.util.Arrays.stream(grad.shape()).filter(d -> d > 1).count();
        return longAxes <= 1 || (grad.ordering() == first.ordering() && grad.ordering() == second.ordering());
    }

    /**
     * One step: updates the moments in place and writes the update ({@code lr/bc1 · m / (sqrt(v/bc2) + eps)})
     * over the gradient. The arrays must be {@link #accepts accepted}.
     */
    public void step(INDArray grad, INDArray first, INDArray second, double lrOverBc1, double bc2) {
        g.set_data_handle(new Mem.Raw(Mem.address(grad)));
        m.set_data_handle(new Mem.Raw(Mem.address(first)));
        v.set_data_handle(new Mem.Raw(Mem.address(second)));
        invBc2Value.put(0, (float) (1.0 / bc2));
        lrOverBc1Value.put(0, (float) lrOverBc1);
        this.first.execute(strm, firstArgs);
        this.second.execute(strm, secondArgs);
        denominator.execute(strm, denominatorArgs);
        update.execute(strm, updateArgs);
        strm._wait();
    }

    @Override
    public void close() {
        for (org.bytedeco.javacpp.Pointer p : new org.bytedeco.javacpp.Pointer[] {first, second, denominator, update,
                g, m, v, a, oneMinusB1, invBc2, lrOverBc1, strm, eng}) {
            p.close();
        }
    }
}
