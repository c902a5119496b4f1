package dev.runner.model.onednn;

import static dev.runner.model.onednn.Mem.floats;
import static dev.runner.model.onednn.Mem.same;

import dev.runner.spec.LayerNode;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The plan for one input shape: the primitives of a forward pass (and, for training, the softmax cross-entropy and
 * the backward pass), built once by the emitters and run as a list of steps. Values stay in the layouts oneDNN
 * picks from one layer to the next; only the input, the flatten and the weights are reordered.
 */
final class Plan implements AutoCloseable {
    final OneDnnStep step;
    final engine eng;
    final stream strm;
    final long batch;
    /** Training (forward, loss, backward) or inference (forward with batch norm's running statistics). */
    final boolean training;
    /** oneDNN's propagation kind for the forward primitives. */
    final dnnl.prop_kind fwd;
    /**
     * The element type of the values (activations and their gradients) of the layer being built: f32, or bf16
     * where the step runs that layer in bf16 ({@link StepGraph#bf16}; parameters, their gradients, batch norm's
     * statistics and the loss stay f32).
     */
    memory.data_type type = memory.data_type.f32;
    /** Whether each layer runs in bf16 in this plan. */
    final Map<String, Boolean> bf16;
    final List<Runnable> forward = new ArrayList<>();
    final List<Runnable> backward = new ArrayList<>();
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final StepGraph graph;
    /** The buffers this plan allocated, freed by {@link #close}. */
    private final List<Pointer> owned = new ArrayList<>();
    /** The features as given (f32, plain). */
    private final memory input;
    /** Values converted to the other type for a layer that reads them: by value, then by type. */
    private final Map<Tensor, Map<memory.data_type, Tensor>> conversions = new HashMap<>();
    /** Backward steps' builders to run after a layer's own (the gradients of the conversions it made). */
    private final Map<String, List<Runnable>> afterBackward = new HashMap<>();
    /**
     * The primitives that run one of oneDNN's slow generic implementations ({@link SlowKernels}), as
     * "layer: primitive (implementation)", in the order they were made.
     */
    final Set<String> slowKernels = new LinkedHashSet<>();
    private FloatBuffer logits;
    private FloatBuffer logitsDiff;
    private int classes;
    /** The node being built, for error messages. */
    private String building = "";

    /**
     * @param inDims the input's [N, C, H, W]
     * @param nhwc   whether the features come in NHWC
     */
    Plan(OneDnnStep step, StepGraph graph, engine eng, stream strm, long[] inDims, boolean nhwc, boolean training) {
        this.step = step;
        this.graph = graph;
        this.eng = eng;
        this.strm = strm;
        this.batch = inDims[0];
        this.training = training;
        this.fwd = training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference;
        this.bf16 = graph.bf16(step.rule(), batch);
        memory.format_tag tag = nhwc ? memory.format_tag.nhwc : memory.format_tag.nchw;
        memory.desc inMd = Mem.plain(inDims, tag);
        input = new memory(inMd, eng, new Mem.Raw(0));
        Tensor inputValue = new Tensor(inDims, inMd, input);
        inputValue.constant = true;
        register(StepGraph.INPUT, inputValue);
        List<Runnable> backwardBuilders = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (LayerNode node : graph.nodes) {
            building = node.name();
            type = bf16.get(node.name()) ? memory.data_type.bf16 : memory.data_type.f32;
            List<Tensor> ins = new ArrayList<>();
            for (String i : StepGraph.inputs(node)) ins.add(ofType(tensors.get(i), node.name()));
            try {
                backwardBuilders.add(Emitters.of(node.layer().kind()).emit(this, node, ins));
            } catch (RuntimeException e) {
                throw new IllegalStateException(node.name() + ": " + e.getMessage(), e);
            }
            names.add(node.name());
        }
        building = "loss";
        Runnable lossBack = loss(tensors.get(graph.output));
        if (!training) return;
        if (lossBack != null) lossBack.run();
        // the backward steps, in reverse order of the forward ones
        for (int i = backwardBuilders.size() - 1; i >= 0; i--) {
            building = names.get(i);
            type = bf16.get(building) ? memory.data_type.bf16 : memory.data_type.f32;
            Runnable b = backwardBuilders.get(i);
            if (b != null) b.run();
            for (Runnable r : afterBackward.getOrDefault(building, List.of())) r.run();
        }
    }

    /**
     * {@code t} as the layer {@code reader} (of {@link #type}) reads it: itself when it has that type, else its copy
     * converted to that type, made once per value and type by a forward step; the copy's gradient is added into
     * {@code t}'s after the backward step of the first layer that reads it (the last to run).
     */
    private Tensor ofType(Tensor t, String reader) {
        if (t.md.data().data_type() == type.value) return t;
        Map<memory.data_type, Tensor> byType = conversions.computeIfAbsent(t, k -> new HashMap<>());
        Tensor c = byType.get(type);
        if (c != null) {
            c.consumers++;
            return c;
        }
        c = newTensor(t.dims, Mem.withType(t.md, type));
        c.constant = t.constant;
        copy(forward, t.mem, c.mem);
        byType.put(type, c);
        Tensor converted = c;
        afterBackward.computeIfAbsent(reader, k -> new ArrayList<>()).add(() -> {
            if (needsDiff(t) && converted.diffWritten) contribute(t, converted.diff);
        });
        return c;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Running

    /** Class probabilities for {@code features}, [batch, classes]. */
    INDArray infer(INDArray features) {
        INDArray x = contiguous(features);
        input.set_data_handle(new Mem.Raw(Mem.address(x)));
        for (Runnable s : forward) s.run();
        strm._wait();
        input.set_data_handle(new Mem.Raw(0));
        INDArray out;
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            out = Nd4j.createUninitialized(DataType.FLOAT, batch, classes);
        }
        FloatBuffer o = floats(out);
        float[] p = new float[classes];
        for (int r = 0; r < batch; r++) {
            softmax(r, p);
            o.put(p);
        }
        return out;
    }

    /** Forward, loss and backward: fills the gradients and returns the mean cross-entropy. */
    double run(INDArray features, INDArray labels) {
        INDArray x = contiguous(features);
        input.set_data_handle(new Mem.Raw(Mem.address(x)));
        for (Runnable s : forward) s.run();
        // softmax cross-entropy, as DL4J's LossMCXENT: the score clips p to [1e-10, 1 - 1e-10], the gradient not
        INDArray y = contiguous(labels);
        FloatBuffer yb = floats(y);
        double sum = 0;
        int k = classes;
        float[] p = new float[k];
        for (int r = 0; r < batch; r++) {
            softmax(r, p);
            for (int j = 0; j < k; j++) {
                float pj = p[j];
                float yj = yb.get(r * k + j);
                if (yj != 0) sum -= yj * Math.log(Math.min(Math.max(pj, 1e-10), 1.0 - 1e-10));
                logitsDiff.put(r * k + j, pj - yj);
            }
        }
        for (Runnable s : backward) s.run();
        strm._wait();
        input.set_data_handle(new Mem.Raw(0));
        return sum / batch;
    }

    int classes() {
        return classes;
    }

    /** Row {@code r} of the logits as probabilities, into {@code p}. */
    private void softmax(int r, float[] p) {
        int k = p.length;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) max = Math.max(max, logits.get(r * k + j));
        double z = 0;
        for (int j = 0; j < k; j++) z += Math.exp(logits.get(r * k + j) - max);
        for (int j = 0; j < k; j++) p[j] = (float) (Math.exp(logits.get(r * k + j) - max) / z);
    }

    /** {@code x} as contiguous float32 in C order: itself, or a copy. */
    private static INDArray contiguous(INDArray x) {
        if (x.dataType() != DataType.FLOAT || x.ordering() != 'c' || !Shape.hasDefaultStridesForShape(x)) {
            return x.castTo(DataType.FLOAT).dup('c');
        }
        return x;
    }

    /**
     * The loss (softmax cross-entropy, computed in {@link #run}) on the output {@code out}: its logits read from a
     * plain [N, classes] buffer, their gradient written into one.
     */
    private Runnable loss(Tensor out) {
        if (out.dims.length != 2) throw new IllegalStateException("the output is not flat");
        classes = (int) out.dims[1];
        memory.desc nc = Mem.plain(out.dims, memory.format_tag.nc);   // f32, whatever the values' type
        memory l = as(out.mem, nc, forward);
        logits = floats(l.get_data_handle(), batch * classes);
        if (!training) return null;
        return () -> {
            memory d;
            if (same(out.md, nc) && !out.diffWritten) {
                d = diffOf(out);
                out.diffWritten = true;
            } else {
                d = alloc(nc);
                contribute(out, d);
            }
            logitsDiff = floats(d.get_data_handle(), batch * classes);
        };
    }

    // -----------------------------------------------------------------------------------------------------------
    // Building: what the emitters use

    /** Registers the value a layer outputs. */
    void register(String name, Tensor t) {
        t.consumers = graph.consumers.getOrDefault(name, 0);
        tensors.put(name, t);
    }

    /** Registers {@code t}, a value read by the layer {@code name}, as that layer's output too (an identity). */
    void alias(String name, Tensor t) {
        int others = t.consumers - 1;
        register(name, t);
        t.consumers += others;
    }

    /** The weights' copies this plan's primitives read (see {@link OneDnnStep#weights}). */
    final List<OneDnnStep.WeightCopy> copies = new ArrayList<>();

    /**
     * The weights {@code user} (a view of the graph's f32 parameters) as a primitive reads them, in layout
     * {@code want}: {@code user} itself, or the step's shared copy, which this plan then refreshes before it runs.
     *
     * @param key the parameter, {@code layer/W}
     */
    memory weights(String key, memory user, memory.desc want) {
        OneDnnStep.WeightCopy c = step.weights(key, user, want);
        if (c == null) return user;
        if (!copies.contains(c)) copies.add(c);
        return c.copy;
    }

    memory alloc(memory.desc md) {
        memory m = new memory(md, eng);
        owned.add(m);
        return m;
    }

    Tensor newTensor(long[] dims, memory.desc md) {
        return new Tensor(dims, md, alloc(md));
    }

    /** The implementation oneDNN picked for {@code p} on this CPU, e.g. {@code jit:avx2} or {@code ref:any}. */
    static String implementation(primitive p) {
        PointerPointer<BytePointer> out = new PointerPointer<>(1);
        int status = dnnl.dnnl_primitive_desc_query(p.get_dnnl_primitive_desc(), dnnl.dnnl_query_impl_info_str, 0, out);
        return status == dnnl.dnnl_success && out.get(0) != null ? out.getString(0) : "unknown";
    }

    /** The number of dimensions of {@code p}'s source (4 for maps, 2 for vectors), 0 when it has none. */
    static int sourceDims(primitive p) {
        dnnl_memory_desc_t md = dnnl.dnnl_primitive_desc_query_md(p.get_dnnl_primitive_desc(), dnnl.dnnl_query_src_md, 0);
        return md == null || md.isNull() ? 0 : md.ndims();
    }

    /** Adds a step running {@code p} on (argument, memory) pairs; a pair with no memory (no bias, say) is left out. */
    void exec(List<Runnable> to, primitive p, Object... args) {
        IntMemoryMap m = new IntMemoryMap();
        for (int i = 0; i < args.length; i += 2) if (args[i + 1] != null) m.put((Integer) args[i], (memory) args[i + 1]);
        String kind = p.getClass().getSimpleName();
        String what = building + ": " + kind;
        String impl = implementation(p);
        if (SlowKernels.slow(kind, impl, sourceDims(p))) slowKernels.add(what + " (" + impl + ")");
        boolean alone = oneThread.contains(p);
        to.add(() -> {
            try {
                if (alone) OmpThreads.runAlone(() -> p.execute(strm, m));
                else p.execute(strm, m);
            } catch (RuntimeException e) {
                throw new IllegalStateException("oneDNN step, " + what + ": " + e.getMessage(), e);
            }
        });
    }

    /** Primitives that run on one thread whatever the step's thread count (see {@link #onOneThread}). */
    private final java.util.Set<primitive> oneThread =
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /**
     * The primitive {@code make} returns, made on one thread (oneDNN fixes a primitive's thread count when it is made)
     * and run on one wherever a step adds it ({@link #exec}, {@link #execInto}): for primitives whose threads meet at
     * oneDNN's spinning barriers, which wait for a descheduled thread as long as the scheduler keeps it off (see
     * {@link OmpThreads}).
     */
    <P extends primitive> P onOneThread(java.util.function.Supplier<P> make) {
        P p = OmpThreads.alone(make);
        oneThread.add(p);
        return p;
    }

    void copy(List<Runnable> to, memory from, memory into) {
        reorder r = new reorder(from, into);
        to.add(() -> r.execute(strm, from, into));
    }

    /** {@code m} in layout {@code want}: itself, or a buffer it is reordered into by a step added to {@code to}. */
    memory as(memory m, memory.desc want, List<Runnable> to) {
        if (same(m.get_desc(), want)) return m;
        memory r = alloc(want);
        copy(to, m, r);
        return r;
    }

    /** A one-dimensional parameter (or gradient) view as oneDNN memory over the same floats; null for null. */
    memory vector(INDArray a) {
        return a == null ? null : new memory(Mem.flatDesc(a), eng, new Mem.Raw(Mem.address(a)));
    }

    /** Memory of layout {@code md} over the same buffer as {@code m}. */
    memory view(memory.desc md, memory m) {
        return new memory(md, eng, m.get_data_handle());
    }

    memory diffOf(Tensor t) {
        if (t.diff == null) t.diff = alloc(t.md);
        return t.diff;
    }

    /** Whether {@code t} needs a gradient: not for the network input (nor its conversions). */
    boolean needsDiff(Tensor t) {
        return !t.constant;
    }

    /** A layout oneDNN picks for a value (of the plan's {@link #type}). */
    memory.desc any(long[] dims) {
        return Mem.any(dims, type);
    }

    /** A plain layout for a value (of the plan's {@link #type}). */
    memory.desc plain(long[] dims, memory.format_tag tag) {
        return Mem.plain(dims, tag, type);
    }

    /**
     * Where a consumer's backward step writes its part of {@code t}'s gradient (in {@code t}'s layout): the
     * gradient itself for the first, a scratch buffer that {@code then} adds in for the others.
     */
    private memory contribution(Tensor t, List<Runnable> then) {
        memory d = diffOf(t);
        if (!t.diffWritten) {
            t.diffWritten = true;
            return d;
        }
        memory scratch = alloc(t.md);
        binary add = new binary(new binary.primitive_desc(
                new binary.desc(dnnl.algorithm.binary_add, t.md, t.md, t.md), eng));
        IntMemoryMap m = new IntMemoryMap();
        m.put(dnnl.DNNL_ARG_SRC_0, d);
        m.put(dnnl.DNNL_ARG_SRC_1, scratch);
        m.put(dnnl.DNNL_ARG_DST, d);
        then.add(() -> add.execute(strm, m));
        return scratch;
    }

    /** Runs {@code p} with its gradient output {@code diffArg} written into {@code t}'s gradient. */
    void execInto(Tensor t, primitive p, int diffArg, Object... args) {
        List<Runnable> then = new ArrayList<>();
        Object[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = diffArg;
        all[args.length + 1] = needsDiff(t) ? contribution(t, then) : alloc(t.md);
        exec(backward, p, all);
        backward.addAll(then);
    }

    /** Adds {@code from} (in {@code t}'s layout or another) into {@code t}'s gradient. */
    void contribute(Tensor t, memory from) {
        List<Runnable> then = new ArrayList<>();
        copy(backward, from, contribution(t, then));
        backward.addAll(then);
    }

    /** Whether the batch norm {@code name} applies the ReLU after it. */
    boolean normWithRelu(String name) {
        return graph.normsWithRelu.contains(name);
    }

    /** Whether the ReLU {@code name} runs inside the batch norm before it. */
    boolean fusedRelu(String name) {
        return graph.fusedRelus.contains(name);
    }

    @Override
    public void close() {
        for (Pointer p : owned) p.close();
        owned.clear();
        input.close();
    }
}
