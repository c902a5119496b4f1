package dev.runner.model.onednn;

import dev.runner.spec.layers.Conv;
import static dev.runner.model.onednn.Mem.any;
import static dev.runner.model.onednn.Mem.flatDesc;
import static dev.runner.model.onednn.Mem.same;
import static dev.runner.model.onednn.Mem.viewDesc;

import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.util.List;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * conv: any kernel, stride, dilation and padding (explicit or {@code same}), with or without bias, with its own
 * activation. The weights are the graph's [out, in, kh, kw] array, read through the step's copies in the layouts
 * (and the type) oneDNN picks ({@link OneDnnStep#weights}); their gradient, always f32, is written back into the
 * graph's gradient array. No input gradient for a convolution on the network input.
 */
final class ConvEmitter implements Emitter {
    /** Output maps of at most this many positions get their weight gradient in f32 in a bf16 plan. */
    static final long TINY_OUTPUT = 4;

    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        Conv c = (Conv) node.layer();
        String name = node.name();
        long[] h = spatial(in.dims[2], c.kernel()[0], c.stride()[0], c.dilation()[0], pad(c.padding(), 0));
        long[] w = spatial(in.dims[3], c.kernel()[1], c.stride()[1], c.dilation()[1], pad(c.padding(), 1));
        INDArray wv = plan.step.param(name, "W");
        INDArray bv = c.bias() ? plan.step.param(name, "b") : null;
        long oc = wv.size(0);
        if (wv.rank() != 4 || oc != c.filters() || wv.size(1) != in.dims[1] || wv.size(2) != c.kernel()[0]) {
            throw new IllegalStateException("weights of shape " + java.util.Arrays.toString(wv.shape())
                    + " are not [out, in, kh, kw]");
        }
        long[] outDims = {in.dims[0], oc, h[0], w[0]};
        long[] strides = {c.stride()[0], c.stride()[1]};
        long[] dil = {c.dilation()[0] - 1, c.dilation()[1] - 1};
        long[] padL = {h[1], w[1]};
        long[] padR = {h[2], w[2]};
        memory.desc userW = viewDesc(wv, 0, 1, 2, 3);
        memory.desc bMd = bv == null ? new memory.desc() : flatDesc(bv);
        long[] wDims = {oc, in.dims[1], c.kernel()[0], c.kernel()[1]};
        memory.desc wAny = plan.any(wDims);      // the weights as the primitive reads them: of the values' type
        convolution_forward.primitive_desc fpd = new convolution_forward.primitive_desc(
                new convolution_forward.desc(plan.fwd, dnnl.algorithm.convolution_direct,
                        plan.any(in.dims), wAny, bMd, plan.any(outDims), strides, dil, padL, padR), plan.eng);
        memory userWm = new memory(userW, plan.eng, new Mem.Raw(Mem.address(wv)));
        memory wMem = plan.weights(name + "/W", userWm, fpd.weights_desc());
        memory src = plan.as(in.mem, fpd.src_desc(), plan.forward);
        Tensor out = plan.newTensor(outDims, fpd.dst_desc());
        plan.exec(plan.forward, new convolution_forward(fpd), dnnl.DNNL_ARG_SRC, src, dnnl.DNNL_ARG_WEIGHTS, wMem,
                dnnl.DNNL_ARG_BIAS, plan.vector(bv), dnnl.DNNL_ARG_DST, out.mem);
        Runnable act = ActivationEmitter.after(plan, name, out, c.activation());
        return () -> {
            if (act != null) act.run();
            INDArray gw = plan.step.gradient(name, "W");
            memory.desc gUser = viewDesc(gw, 0, 1, 2, 3);
            memory.desc gbMd = bv == null ? new memory.desc() : flatDesc(plan.step.gradient(name, "b"));
            // backward primitives pick their own layouts too (a plain input may have no fast kernel)
            // oneDNN 2.5's bf16 weight-gradient kernel synchronises its threads at spinning barriers, many of them
            // on tiny outputs: with one core busy it took 67 ms a step on ResNet9's 2x2 maps of 512 channels against
            // the f32 kernel's 11 (quiet: 7 against 8; docs/speed.md). There the gradient is computed in f32 on f32
            // copies of its inputs
            boolean f32Weights = plan.type != memory.data_type.f32 && outDims[2] * outDims[3] <= TINY_OUTPUT;
            memory.data_type bt = f32Weights ? memory.data_type.f32 : plan.type;
            convolution_forward.primitive_desc hint = !f32Weights ? fpd : new convolution_forward.primitive_desc(
                    new convolution_forward.desc(plan.fwd, dnnl.algorithm.convolution_direct, any(in.dims, bt),
                            any(wDims), bMd, any(outDims, bt), strides, dil, padL, padR), plan.eng);
            convolution_backward_weights.primitive_desc wpd = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, any(in.dims, bt),
                            any(wDims), gbMd, any(outDims, bt), strides, dil, padL, padR), plan.eng, hint);
            memory wSrc = plan.as(src, wpd.src_desc(), plan.backward);
            memory wDiffDst = plan.as(plan.diffOf(out), wpd.diff_dst_desc(), plan.backward);
            memory gUserM = new memory(gUser, plan.eng, new Mem.Raw(Mem.address(gw)));
            memory gW = same(wpd.diff_weights_desc(), gUser) ? gUserM : plan.alloc(wpd.diff_weights_desc());
            plan.exec(plan.backward, new convolution_backward_weights(wpd), dnnl.DNNL_ARG_SRC, wSrc,
                    dnnl.DNNL_ARG_DIFF_DST, wDiffDst, dnnl.DNNL_ARG_DIFF_WEIGHTS, gW,
                    dnnl.DNNL_ARG_DIFF_BIAS, plan.vector(bv == null ? null : plan.step.gradient(name, "b")));
            if (gW != gUserM) plan.copy(plan.backward, gW, gUserM);
            if (!plan.needsDiff(in)) return;   // a convolution on the network input: no input gradient
            convolution_backward_data.primitive_desc dpd = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, plan.any(in.dims),
                            wAny, plan.any(outDims), strides, dil, padL, padR), plan.eng, fpd);
            memory wData = plan.weights(name + "/W", userWm, dpd.weights_desc());
            memory dDiffDst = plan.as(plan.diffOf(out), dpd.diff_dst_desc(), plan.backward);
            convolution_backward_data dprim = new convolution_backward_data(dpd);
            if (same(dpd.diff_src_desc(), in.md)) {
                plan.execInto(in, dprim, dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_DST, dDiffDst,
                        dnnl.DNNL_ARG_WEIGHTS, wData);
            } else {
                memory tmp = plan.alloc(dpd.diff_src_desc());
                plan.exec(plan.backward, dprim, dnnl.DNNL_ARG_DIFF_DST, dDiffDst, dnnl.DNNL_ARG_WEIGHTS, wData,
                        dnnl.DNNL_ARG_DIFF_SRC, tmp);
                plan.contribute(in, tmp);
            }
        };
    }

    /** Explicit padding of axis {@code d}, or -1 for {@code same}. */
    static int pad(int[] padding, int d) {
        return padding == null ? -1 : padding[d];
    }

    /**
     * {output size, padding before, padding after} of one spatial axis: PyTorch's arithmetic for explicit padding
     * {@code p}, and for {@code same} (p = -1) an output of ceil(in / stride) with the total padding split as
     * evenly as possible, the odd one after (DL4J's and TensorFlow's). The padding after is only what the last
     * window needs (never negative: a window that would end before it does not change the output size).
     */
    static long[] spatial(long in, long k, long s, long d, long p) {
        long eff = (k - 1) * d + 1;
        if (p < 0) {
            long out = (in + s - 1) / s;
            long total = Math.max(0, (out - 1) * s + eff - in);
            return new long[] {out, total / 2, total - total / 2};
        }
        long out = (in + 2 * p - eff) / s + 1;
        if (out < 1) throw new IllegalStateException("a kernel of " + eff + " does not fit an input of " + in);
        return new long[] {out, p, Math.max(0, (out - 1) * s + eff - in - p)};
    }
}
