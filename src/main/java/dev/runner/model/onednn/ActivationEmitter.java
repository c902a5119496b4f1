package dev.runner.model.onednn;

import dev.runner.spec.layers.Activation;
import dev.runner.spec.LayerNode;
import dev.runner.spec.layers.LayerSpec;
import java.util.List;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.global.dnnl;

/**
 * relu, leaky_relu, tanh, sigmoid and gelu layers, and a conv's or dense layer's own {@code activation}: oneDNN's
 * eltwise primitives. gelu is {@code eltwise_gelu_erf}, the exact x·Φ(x) of PyTorch's {@code nn.GELU()}; relu6 is
 * {@code eltwise_clip_v2} to [0, 6] (its gradient 0 at both ends, as PyTorch's hardtanh_backward); hardswish is
 * {@code eltwise_hardswish}; silu is {@code eltwise_swish} with alpha 1, x·sigmoid(x).
 */
final class ActivationEmitter implements Emitter {
    @Override
    public Runnable emit(Plan plan, LayerNode node, List<Tensor> inputs) {
        Tensor in = inputs.get(0);
        Activation a = (Activation) node.layer();
        if (plan.fusedRelu(node.name())) {   // the batch norm before it already applied it
            plan.alias(node.name(), in);
            return null;
        }
        Tensor out = plan.newTensor(in.dims, in.md);
        Runnable back = steps(plan, in, out, a.kind(), a.alpha());
        plan.register(node.name(), out);
        return back;
    }

    /** oneDNN's algorithm for an activation of the language. */
    static dnnl.algorithm algorithm(String kind) {
        return switch (kind) {
            case "relu", "leaky_relu" -> dnnl.algorithm.eltwise_relu;
            case "tanh" -> dnnl.algorithm.eltwise_tanh;
            case "sigmoid" -> dnnl.algorithm.eltwise_logistic;
            case "gelu" -> dnnl.algorithm.eltwise_gelu_erf;
            case "relu6" -> dnnl.algorithm.eltwise_clip_v2;
            case "hardswish" -> dnnl.algorithm.eltwise_hardswish;
            case "silu" -> dnnl.algorithm.eltwise_swish;
            default -> throw new IllegalArgumentException("no oneDNN activation '" + kind + "'");
        };
    }

    /**
     * A layer's own activation (null: identity) after its main operation's output {@code out}: registers the
     * layer's output and returns the activation's backward builder, or null.
     */
    static Runnable after(Plan plan, String name, Tensor out, String kind) {
        if (kind == null) {
            plan.register(name, out);
            return null;
        }
        Tensor a = plan.newTensor(out.dims, out.md);
        out.consumers = 1;
        plan.register(name, a);
        // a layer's own leaky_relu has the language's default slope
        return steps(plan, out, a, kind, 0.01);
    }

    /** Forward steps of the activation from {@code in} to {@code out}; returns the builder of its backward steps. */
    static Runnable steps(Plan plan, Tensor in, Tensor out, String kind, double alpha) {
        int alg = algorithm(kind).value;
        float a = kind.equals("leaky_relu") ? (float) alpha : kind.equals("silu") ? 1f : 0f;
        float b = kind.equals("relu6") ? 6f : 0f;
        eltwise_forward.primitive_desc fpd = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                plan.fwd.value, alg, in.md, a, b), plan.eng);
        plan.exec(plan.forward, new eltwise_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_DST, out.mem);
        return () -> {
            if (!plan.needsDiff(in)) return;
            eltwise_backward.primitive_desc bpd = new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                    alg, out.md, in.md, a, b), plan.eng, fpd);
            plan.execInto(in, new eltwise_backward(bpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_SRC, in.mem,
                    dnnl.DNNL_ARG_DIFF_DST, plan.diffOf(out));
        };
    }
}
