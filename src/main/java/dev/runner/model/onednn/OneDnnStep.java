package dev.runner.model.onednn;

import dev.runner.spec.LayerNode;
import dev.runner.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The oneDNN engine: a network's training step (forward pass, softmax cross-entropy, backward pass) and its
 * inference, run as plans of oneDNN primitives called through oneDNN's own Java API, built from the model spec by
 * one {@link Emitters emitter} per layer kind.
 *
 * <p>Why: through ND4J, every layer call builds its oneDNN primitive again, reorders its input and output between
 * the graph's plain layout and oneDNN's blocked one, and goes through ND4J's op set-up (about 35 us a call). Here
 * the primitives are built once per input shape (batch size and image size; a few are kept); activations and
 * their gradients stay in the layouts oneDNN picks from one layer to the next.
 *
 * <p>What stays DL4J's: the parameters and gradients are the graph's own flattened arrays (the plan reads the
 * weights and writes the gradients in place, with DL4J's meaning: sums over the batch, and batch norm's running
 * statistics as the "gradient" DL4J's updater subtracts); the updater, weight decay, schedules, iteration counts,
 * feature maps and serialisation are untouched.
 */
public final class OneDnnStep implements AutoCloseable {
    /** Plans kept at once per mode: the batch size and the smaller last batches (of a training and a test set). */
    private static final int PLANS = 3;

    private final ComputationGraph graph;
    private final StepGraph steps;
    private final boolean nhwc;
    private final long channels;
    private final long seed;
    private final Bf16Rule rule;
    /** The weights' copies in the layouts (and type) the primitives read, shared by every plan. */
    private final List<WeightCopy> copies = new ArrayList<>();
    private final Map<String, INDArray> gradientViews = new LinkedHashMap<>();
    private final long paramsAddress;
    /** Other processes' CPU use while training (see {@link BusyWatch}). */
    private final BusyWatch busy = new BusyWatch();
    private final Map<List<Long>, Plan> plans = new LinkedHashMap<>();
    private final Map<List<Long>, Plan> inferencePlans = new LinkedHashMap<>();
    private engine eng;
    private stream strm;

    /** Something in a spec the step cannot run: the layer (null: the model as a whole) and why. */
    public record Refusal(LayerNode node, String reason) {}

    private OneDnnStep(ComputationGraph graph, ModelSpec spec, String layout, long seed, Bf16Rule rule) {
        this.graph = graph;
        this.rule = rule;
        this.steps = new StepGraph(spec);
        this.nhwc = layout.equals("NHWC");
        this.channels = spec.input()[0];
        this.seed = seed;
        this.paramsAddress = Mem.address(graph.params());
        if (graph.getFlattenedGradients() == null) graph.initGradientsView();
        for (Layer l : graph.getLayers()) {
            if (l.numParams() == 0) continue;
            String name = l.conf().getLayer().getLayerName();
            l.conf().getLayer().initializer().getGradientsFromFlattened(l.conf(), l.getGradientsViewArray())
                    .forEach((k, v) -> gradientViews.put(name + "_" + k, v));
        }
    }

    /**
     * The step for {@code graph}, compiled from {@code spec} ({@link #refusal} must be null for it).
     *
     * @param layout "NCHW" or "NHWC": the layout of the features it is given
     * @param seed   the experiment's seed: the dropout masks' (see {@link DropoutMask})
     * @param rule   which convolutions and dense layers run in bf16 ({@link Bf16Rule#NONE}: all in f32); the
     *               layers after each run in its type ({@link StepGraph#bf16}). In bf16, f32 accumulation; batch
     *               norm's statistics, the loss, the gradients and the parameters stay f32
     */
    public static OneDnnStep of(ComputationGraph graph, ModelSpec spec, String layout, long seed, Bf16Rule rule) {
        return new OneDnnStep(graph, spec, layout, seed, rule);
    }

    /** What in {@code spec} the step cannot run, or null when it runs all of it. */
    public static Refusal refusal(ModelSpec spec) {
        StepGraph.Problem p = StepGraph.check(spec, Emitters.BY_KIND);
        return p == null ? null : new Refusal(p.node(), p.reason());
    }

    /** What in {@code spec} the step could not run if it had emitters for {@code kinds} only, or null. */
    public static Refusal refusal(ModelSpec spec, Set<String> kinds) {
        Map<String, Emitter> some = new LinkedHashMap<>();
        for (String k : kinds) some.put(k, Emitters.BY_KIND.get(k));
        StepGraph.Problem p = StepGraph.check(spec, some);
        return p == null ? null : new Refusal(p.node(), p.reason());
    }

    private static String loadFailure;
    private static boolean loadTried;

    /**
     * Why the step cannot run in this process, or null: a backend other than ND4J's CPU one (the graph's arrays
     * are then not in host memory), or oneDNN's library not loading.
     */
    public static synchronized String unavailable() {
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        if (!"CPU".equalsIgnoreCase(backend)) return "the oneDNN step runs on the CPU, and ND4J runs on " + backend;
        if (!loadTried) {
            loadTried = true;
            try {
                org.bytedeco.javacpp.Loader.load(dnnl.class);
            } catch (Throwable t) {   // UnsatisfiedLinkError, NoClassDefFoundError: a build without it
                loadFailure = "oneDNN's library did not load (" + t + ")";
            }
        }
        return loadFailure;
    }

    /** The per-parameter views of the graph's flattened gradient that {@link #run} fills, keyed layer_param. */
    public Map<String, INDArray> gradientViews() {
        return gradientViews;
    }

    /**
     * Forward and backward on one batch: fills the graph's gradient arrays and returns the mean cross-entropy
     * (without any weight penalty). {@code features} are in the graph's input layout; {@code labels} one-hot
     * (or any distribution) rows.
     */
    public double run(INDArray features, INDArray labels) {
        Plan p = planFor(features, true);
        if (labels.rank() != 2 || labels.size(0) != p.batch || labels.size(1) != p.classes()) {
            throw new IllegalArgumentException("labels of shape " + Arrays.toString(labels.shape())
                    + " for " + p.batch + " examples of " + p.classes() + " classes");
        }
        refresh(p.copies);
        double loss = p.run(features, labels);
        if (p.bf16.containsValue(true) && busy.busy(System.nanoTime(), BusyWatch::allTicks, BusyWatch::ownTicks)
                && OmpThreads.current() > 1) {
            busyMachine();
        }
        parametersChanged();   // the updater changes the parameters next
        return loss;
    }

    private static final java.util.concurrent.atomic.AtomicBoolean BUSY_TOLD = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Says once per process, on standard error, what a busy machine does to a step with bf16 layers, and what helps.
     * Only bf16: its weight-gradient kernels meet at oneDNN's spinning barriers for every image, and one thread
     * trains ResNet9 2.4 times faster beside a busy core; in fp32 (batch norm already on one thread) 1.1 times.
     */
    private static void busyMachine() {
        if (BUSY_TOLD.getAndSet(true)) return;
        System.err.println("runner: other processes are using the CPU: training in bf16 on " + OmpThreads.current() + " threads,"
                + " oneDNN's threads wait for each other spinning; beside another job -Drunner.threads=1 (or"
                + " OMP_NUM_THREADS=1) trains bf16 about twice as fast (see docs/speed.md)");
    }

    /** Whether {@code features} are images of the network's channel count in its layout (any size, any batch). */
    public boolean accepts(INDArray features) {
        return features.rank() == 4 && features.size(nhwc ? 3 : 1) == channels;
    }

    /** Class probabilities for {@code features} in inference mode (batch norm with its running statistics). */
    public INDArray output(INDArray features) {
        Plan p = planFor(features, false);
        refresh(p.copies);
        return p.infer(features);
    }

    /** Says the graph's parameters were changed by something other than the updater after {@link #run}. */
    public void parametersChanged() {
        for (WeightCopy c : copies) c.stale = true;
    }

    /** Whether the step may run layers in bf16 (its rule is not {@link Bf16Rule#NONE}). */
    public boolean bf16() {
        return rule != Bf16Rule.NONE;
    }

    Bf16Rule rule() {
        return rule;
    }

    /** The precision, {@code bf16} or {@code fp32}, of each layer the step runs, in order, for a batch of {@code batch}. */
    public Map<String, String> precisions(long batch) {
        Map<String, String> m = new LinkedHashMap<>();
        steps.bf16(rule, batch).forEach((layer, b) -> m.put(layer, b ? "bf16" : "fp32"));
        return m;
    }

    /**
     * The primitives of the plans it holds (the last few input shapes, training and inference) that run one of
     * oneDNN's slow generic implementations ({@link SlowKernels}: reference loops, generic {@code :any} code, GEMM
     * behind a convolution): "layer: primitive (implementation)". Empty where every layer has a fast kernel here.
     */
    public List<String> slowKernels() {
        Set<String> all = new LinkedHashSet<>();
        for (Plan p : plans.values()) all.addAll(p.slowKernels);
        for (Plan p : inferencePlans.values()) all.addAll(p.slowKernels);
        return List.copyOf(all);
    }

    /** The ReLUs that run inside the batch norm before them. */
    public Set<String> fusedRelus() {
        return steps.fusedRelus;
    }

    /** The plan for a batch of {@code features}, built if needed. */
    private Plan planFor(INDArray features, boolean training) {
        if (!accepts(features)) {
            throw new IllegalArgumentException("features of shape " + Arrays.toString(features.shape())
                    + " are not a batch of " + channels + "-channel images in " + (nhwc ? "NHWC" : "NCHW"));
        }
        if (Mem.address(graph.params()) != paramsAddress) {
            throw new IllegalStateException("the graph's parameters moved since the step was built");
        }
        long n = features.size(0);
        long h = features.size(nhwc ? 1 : 2);
        long w = features.size(nhwc ? 2 : 3);
        List<Long> key = List.of(n, h, w);
        Map<List<Long>, Plan> cache = training ? plans : inferencePlans;
        Plan p = cache.get(key);
        if (p != null) return p;
        if (eng == null) {
            eng = new engine(engine.kind.cpu, 0);
            strm = new stream(eng);
        }
        if (cache.size() >= PLANS) cache.remove(cache.keySet().iterator().next()).close();
        p = new Plan(this, steps, eng, strm, new long[] {n, channels, h, w}, nhwc, training);
        cache.put(key, p);
        return p;
    }

    // for the emitters

    /** A parameter of a layer (W, b, gamma, beta, mean, var, log10stdev). */
    INDArray param(String layer, String key) {
        INDArray a = graph.getLayer(layer).getParam(key);
        if (a == null || a.dataType() != DataType.FLOAT) throw new IllegalStateException(layer + ": no float " + key);
        return a;
    }

    /** The gradient view of a layer's parameter. */
    INDArray gradient(String layer, String key) {
        INDArray g = gradientViews.get(layer + "_" + key);
        if (g == null) throw new IllegalStateException(layer + ": no gradient of " + key);
        return g;
    }

    /**
     * The step's copy of the weights {@code user} (a view of the graph's f32 parameters) in layout {@code want}
     * (null when {@code user} is that layout), shared by every plan and primitive that reads that layout. A copy is
     * made again after each update, once, before the next step or inference whose plan reads it ({@link #refresh}):
     * training does not redo the copies only the inference plans read, nor the other way round.
     *
     * @param key the parameter, {@code layer/W}
     */
    WeightCopy weights(String key, memory user, memory.desc want) {
        if (Mem.same(user.get_desc(), want)) return null;
        for (WeightCopy c : copies) if (c.key.equals(key) && Mem.same(c.copy.get_desc(), want)) return c;
        memory copy = new memory(want, eng);
        WeightCopy c = new WeightCopy(key, user, copy, new reorder(user, copy));
        copies.add(c);
        return c;
    }

    /** A copy of a parameter in another layout or type; stale when the parameters changed since it was made. */
    static final class WeightCopy {
        final String key;
        final memory user;
        final memory copy;
        final reorder reorder;
        boolean stale = true;

        WeightCopy(String key, memory user, memory copy, reorder reorder) {
            this.key = key;
            this.user = user;
            this.copy = copy;
            this.reorder = reorder;
        }
    }

    /** Makes the stale ones of {@code read} (a plan's copies) again from the parameters. */
    private void refresh(List<WeightCopy> read) {
        boolean any = false;
        for (WeightCopy c : read) {
            if (!c.stale) continue;
            c.reorder.execute(strm, c.user, c.copy);
            c.stale = false;
            any = true;
        }
        if (any) strm._wait();
    }

    Layer layer(String name) {
        return graph.getLayer(name);
    }

    long seed() {
        return seed;
    }

    /** The graph's iteration count: the number of this step, from 0. */
    long iteration() {
        return graph.getIterationCount();
    }

    @Override
    public void close() {
        for (Plan p : plans.values()) p.close();
        for (Plan p : inferencePlans.values()) p.close();
        plans.clear();
        inferencePlans.clear();
        for (WeightCopy c : copies) {
            c.reorder.close();
            c.copy.close();
        }
        copies.clear();
    }
}
