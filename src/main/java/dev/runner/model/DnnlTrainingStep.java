package dev.runner.model;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.inner_product_backward_data;
import org.bytedeco.dnnl.inner_product_backward_weights;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * A ComputationGraph's training step (forward pass, softmax cross-entropy, backward pass) run as a fixed plan of
 * oneDNN primitives, called through oneDNN's own Java API rather than through ND4J's ops.
 *
 * <p>Why: through ND4J, every layer call builds its oneDNN primitive again, reorders its input and output between
 * the graph's plain layout and oneDNN's blocked one, and goes through ND4J's op set-up (about 35 us a call). Here
 * the primitives are built once per batch size; activations and their gradients stay in the layouts oneDNN picks
 * (blocked, on this CPU) from one layer to the next; only the network input, the flatten before the dense layers
 * and the weights are reordered.
 *
 * <p>Inference ({@link #output}) runs the same way, with a forward-only plan in which batch norm uses the running
 * statistics.
 *
 * <p>What stays DL4J's: the parameters and gradients are the graph's own flattened arrays (the plan reads the
 * weights and writes the gradients in place, with DL4J's meaning: sums over the batch, and batch norm's running
 * statistics as the "gradient" DL4J's updater subtracts); the updater, weight decay, schedules, iteration counts,
 * feature maps and serialisation are untouched. {@link #of} returns null for a graph with anything
 * else in it (dropout, concatenation, other losses, ...), which then trains on DL4J's path.
 */
final class DnnlTrainingStep implements AutoCloseable {
    /** Plans kept at once per mode: the batch size and the smaller last batches (of a training and a test set). */
    private static final int PLANS = 3;

    private final ComputationGraph graph;
    private final List<Node> nodes;
    private final String inputName;
    private final boolean inputNhwc;
    private final long[] inputChw;
    private final Gradient gradient;
    private final long paramsAddress;
    private final Map<Long, Plan> plans = new LinkedHashMap<>();
    private final Map<Long, Plan> inferencePlans = new LinkedHashMap<>();
    private engine eng;
    private stream strm;
    private String unsupportedBy;

    private DnnlTrainingStep(ComputationGraph graph, List<Node> nodes, String inputName, boolean inputNhwc,
                             long[] inputChw) {
        this.graph = graph;
        this.nodes = nodes;
        this.inputName = inputName;
        this.inputNhwc = inputNhwc;
        this.inputChw = inputChw;
        this.paramsAddress = address(graph.params());
        if (graph.getFlattenedGradients() == null) graph.initGradientsView();
        Map<String, INDArray> views = new LinkedHashMap<>();
        for (Layer l : graph.getLayers()) {
            if (l.numParams() == 0) continue;
            String name = l.conf().getLayer().getLayerName();
            gradientViews(l).forEach((k, v) -> views.put(name + "_" + k, v));
        }
        this.gradient = new LeanGraph.OwnView(views, graph.getFlattenedGradients());
    }

    /** The step for {@code graph}, or null when something in it is not supported here (see {@link #unsupported}). */
    static DnnlTrainingStep of(ComputationGraph graph, String layout, int[] inputChw) {
        List<Node> nodes = new ArrayList<>();
        String why = analyse(graph, nodes);
        if (why != null || inputChw.length != 3) return null;
        return new DnnlTrainingStep(graph, nodes, graph.getConfiguration().getNetworkInputs().get(0),
                layout.equals("NHWC"), new long[] {inputChw[0], inputChw[1], inputChw[2]});
    }

    /** Turns the step off for every network compiled afterwards: {@code -Drunner.onednn_step=false}. */
    static final String PROPERTY = "runner.onednn_step";
    private static String loadFailure;
    private static boolean loadTried;

    /** Whether the step can run here; see {@link #disabledBecause()}. */
    static boolean enabled() {
        return disabledBecause() == null;
    }

    /**
     * Why the step cannot run in this process, or null: turned off by {@link #PROPERTY}, a backend other than the
     * CPU one, or oneDNN's library not loading (it is in the CPU build only).
     */
    static synchronized String disabledBecause() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"))) {
            return "turned off by -D" + PROPERTY + "=false";
        }
        if (!"CPU".equalsIgnoreCase(Backend.backendName())) return "the " + Backend.backendName() + " backend";
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

    /** Why {@code graph} cannot train here, or null when it can. */
    static String unsupported(ComputationGraph graph) {
        return analyse(graph, new ArrayList<>());
    }

    /** The gradient {@link #run} fills: the graph's flattened gradient array and its per-parameter views. */
    Gradient gradient() {
        return gradient;
    }

    /**
     * Forward and backward on one batch: fills the graph's gradient arrays and returns the mean cross-entropy
     * (without any weight penalty). {@code features} are in the graph's input layout; {@code labels} one-hot
     * (or any distribution) rows.
     */
    double run(INDArray features, INDArray labels) {
        if (!accepts(features)) {
            throw new IllegalArgumentException("features of shape " + java.util.Arrays.toString(features.shape())
                    + " are not a batch for this network" + (unsupportedBy == null ? "" : " (" + unsupportedBy + ")"));
        }
        Plan p = plans.get(features.size(0));
        if (labels.rank() != 2 || labels.size(0) != p.batch || labels.size(1) != p.classes) {
            throw new IllegalArgumentException("labels of shape " + java.util.Arrays.toString(labels.shape())
                    + " for " + p.batch + " examples of " + p.classes + " classes");
        }
        return p.run(features, labels);
    }

    /**
     * Whether {@link #run} takes this batch: builds the plan for its size if needed. False, for good, when the
     * plan finds something only the shapes tell (a dense layer on a feature map, say); see {@link #unsupportedBy()}.
     */
    boolean accepts(INDArray features) {
        return planFor(features, true) != null;
    }

    /** The plan for a batch of {@code features} (built if needed), or null when the step does not take it. */
    private Plan planFor(INDArray features, boolean training) {
        if (unsupportedBy != null) return null;
        if (address(graph.params()) != paramsAddress) {
            throw new IllegalStateException("the graph's parameters moved since the plan was built");
        }
        if (features.rank() != 4) return null;   // DL4J's path says what is wrong with it
        long n = features.size(0);
        long[] expected = inputNhwc ? new long[] {n, inputChw[1], inputChw[2], inputChw[0]}
                : new long[] {n, inputChw[0], inputChw[1], inputChw[2]};
        if (!java.util.Arrays.equals(features.shape(), expected)) return null;
        Map<Long, Plan> cache = training ? plans : inferencePlans;
        Plan p = cache.get(n);
        if (p != null) return p;
        if (eng == null) {
            eng = new engine(engine.kind.cpu, 0);
            strm = new stream(eng);
        }
        if (cache.size() >= PLANS) {
            Long first = cache.keySet().iterator().next();
            cache.remove(first).close();
        }
        try {
            p = new Plan(n, training);
            cache.put(n, p);
            return p;
        } catch (Unsupported e) {
            unsupportedBy = e.getMessage();
            return null;
        }
    }

    /**
     * Class probabilities for {@code features} in inference mode (batch norm with its running statistics), as
     * DL4J's {@code output} computes them; null when the step does not take this batch (DL4J's path then does).
     */
    INDArray output(INDArray features) {
        Plan p = planFor(features, false);
        return p == null ? null : p.infer(features);
    }

    /** The ReLUs that run inside the batch norm before them. */
    java.util.Set<String> fusedRelus() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Node n : nodes) if (n.kind() == Kind.FUSED_RELU) names.add(n.name());
        return names;
    }

    /** What made {@link #accepts} refuse, or null. */
    String unsupportedBy() {
        return unsupportedBy;
    }

    /** Something a plan cannot do, found while building it. */
    private static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void close() {
        for (Plan p : plans.values()) p.close();
        for (Plan p : inferencePlans.values()) p.close();
        plans.clear();
        inferencePlans.clear();
    }

    // ---------------------------------------------------------------------------------------------------------
    // The graph, as far as this step is concerned

    private enum Kind {
        CONV, BATCHNORM, ACTIVATION, POOL, GLOBAL_POOL, FLATTEN, DENSE, OUTPUT, ADD, IDENTITY,
        /** Batch norm with the ReLU that is its only consumer, as one primitive (oneDNN's fuse_norm_relu). */
        BATCHNORM_RELU,
        /** That ReLU: its output is the fused batch norm's. */
        FUSED_RELU
    }

    /** One vertex of the graph, in topological order. */
    private record Node(String name, Kind kind, List<String> inputs, Object conf, Layer layer, boolean flattenFirst,
                        boolean flattenNhwc) {}

    private static String analyse(ComputationGraph graph, List<Node> out) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            return "more than one input or output";
        }
        if (graph.params() == null || graph.params().dataType() != DataType.FLOAT) return "not float32";
        String output = conf.getNetworkOutputs().get(0);
        GraphVertex[] vertices = graph.getVertices();
        int[] order = graph.topologicalSortOrder();
        Map<String, Integer> consumers = new HashMap<>();
        for (int idx : order) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) continue;
            String name = v.getVertexName();
            List<String> inputs = new ArrayList<>();
            for (VertexIndices vi : v.getInputVertices()) {
                String in = vertices[vi.getVertexIndex()].getVertexName();
                inputs.add(in);
                consumers.merge(in, 1, Integer::sum);
            }
            org.deeplearning4j.nn.conf.graph.GraphVertex c = conf.getVertices().get(name);
            if (c instanceof ElementWiseVertex e) {
                if (e.getOp() != ElementWiseVertex.Op.Add || inputs.size() < 2) return name + ": not an add";
                out.add(new Node(name, Kind.ADD, inputs, null, null, false, false));
            } else if (c instanceof PreprocessorVertex pv) {
                Boolean nhwc = flattenNhwc(pv.getPreProcessor());
                if (nhwc == null) return name + ": preprocessor " + pv.getPreProcessor();
                out.add(new Node(name, Kind.FLATTEN, inputs, null, null, false, nhwc));
            } else if (c instanceof LayerVertex lv) {
                Boolean nhwc = false;
                if (lv.getPreProcessor() != null) {
                    nhwc = flattenNhwc(lv.getPreProcessor());
                    if (nhwc == null) return name + ": preprocessor " + lv.getPreProcessor();
                }
                org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
                if (l.getIDropout() != null) return name + ": dropout";
                if (l instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b && b.getWeightNoise() != null) {
                    return name + ": weight noise";
                }
                Kind k = kindOf(l);
                if (k == null) return name + ": " + l.getClass().getSimpleName() + " is not supported";
                if (inputs.size() != 1) return name + ": more than one input";
                if (k == Kind.OUTPUT && !name.equals(output)) return name + ": an output layer inside the network";
                String why = check(k, l, v.getLayer());
                if (why != null) return name + ": " + why;
                if (k == Kind.ACTIVATION && ((ActivationLayer) l).getActivationFn() instanceof ActivationIdentity) {
                    k = Kind.IDENTITY;
                }
                out.add(new Node(name, k, inputs, l, v.getLayer(), lv.getPreProcessor() != null, nhwc));
            } else {
                return name + ": " + (c == null ? "unknown vertex" : c.getClass().getSimpleName()) + " is not supported";
            }
        }
        fuseBatchNormRelu(out, consumers);
        if (out.isEmpty() || out.get(out.size() - 1).kind() != Kind.OUTPUT
                || !out.get(out.size() - 1).name().equals(output)) {
            return "the network does not end in a softmax cross-entropy output layer";
        }
        return null;
    }

    /** Marks each batch norm whose only consumer is a plain ReLU (nothing else reads the normalised values). */
    private static void fuseBatchNormRelu(List<Node> nodes, Map<String, Integer> consumers) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) index.put(nodes.get(i).name(), i);
        for (int i = 0; i < nodes.size(); i++) {
            Node r = nodes.get(i);
            if (r.kind() != Kind.ACTIVATION || r.flattenFirst() || r.inputs().size() != 1) continue;
            float[] alg = eltwise(((ActivationLayer) r.conf()).getActivationFn());
            if (alg[0] != dnnl.algorithm.eltwise_relu.value || alg[1] != 0) continue;
            Integer b = index.get(r.inputs().get(0));
            if (b == null || consumers.getOrDefault(r.inputs().get(0), 0) != 1) continue;
            Node bn = nodes.get(b);
            if (bn.kind() != Kind.BATCHNORM || bn.flattenFirst()) continue;
            nodes.set(b, new Node(bn.name(), Kind.BATCHNORM_RELU, bn.inputs(), bn.conf(), bn.layer(), false, false));
            nodes.set(i, new Node(r.name(), Kind.FUSED_RELU, r.inputs(), r.conf(), r.layer(), false, false));
        }
    }

    /** Whether a flatten preprocessor reads its input as NHWC; null for anything but a flatten. */
    private static Boolean flattenNhwc(InputPreProcessor p) {
        if (p instanceof ChwFlattenPreProcessor) return false; // CHW order whatever the layout: reordered from nchw
        if (p instanceof CnnToFeedForwardPreProcessor c) {
            return c.getFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC;
        }
        return null;
    }

    private static Kind kindOf(org.deeplearning4j.nn.conf.layers.Layer l) {
        Class<?> c = l.getClass();
        if (c == ConvolutionLayer.class || c == OneDnnConvolution.class) return Kind.CONV;
        if (c == BatchNormalization.class || c == TorchBatchNorm.class) return Kind.BATCHNORM;
        if (c == ActivationLayer.class || c == LeanActivation.class) return Kind.ACTIVATION;
        if (c == SubsamplingLayer.class) return Kind.POOL;
        if (c == GlobalPoolingLayer.class) return Kind.GLOBAL_POOL;
        if (c == DenseLayer.class || c == LeanDense.class) return Kind.DENSE;
        if (c == OutputLayer.class || c == LeanOutput.class) return Kind.OUTPUT;
        return null;
    }

    private static String check(Kind k, org.deeplearning4j.nn.conf.layers.Layer l, Layer runtime) {
        switch (k) {
            case CONV -> {
                ConvolutionLayer c = (ConvolutionLayer) l;
                if (c.getConvolutionMode() == ConvolutionMode.Causal) return "causal padding";
                if (eltwise(c.getActivationFn()) == null) return "activation " + c.getActivationFn();
                INDArray w = runtime.getParam("W");
                if (w == null || w.rank() != 4 || w.size(2) != c.getKernelSize()[0] || w.size(3) != c.getKernelSize()[1]) {
                    return "weights not [out, in, kh, kw]";
                }
            }
            case BATCHNORM -> {
                BatchNormalization b = (BatchNormalization) l;
                if (b.isLockGammaBeta()) return "locked gamma and beta";
                if (runtime.getParam(BatchNormalizationParamInitializer.GAMMA) == null) return "no gamma";
            }
            case ACTIVATION -> {
                if (eltwise(((ActivationLayer) l).getActivationFn()) == null) {
                    return "activation " + ((ActivationLayer) l).getActivationFn();
                }
            }
            case POOL -> {
                SubsamplingLayer s = (SubsamplingLayer) l;
                if (s.getPoolingType() != PoolingType.MAX && s.getPoolingType() != PoolingType.AVG) return "pooling " + s.getPoolingType();
                if (s.getConvolutionMode() == ConvolutionMode.Causal) return "causal padding";
                if (s.getDilation()[0] != 1 || s.getDilation()[1] != 1) return "dilated pooling";
            }
            case GLOBAL_POOL -> {
                GlobalPoolingLayer g = (GlobalPoolingLayer) l;
                if (g.getPoolingType() != PoolingType.AVG && g.getPoolingType() != PoolingType.MAX) {
                    return "pooling " + g.getPoolingType();
                }
                if (!g.isCollapseDimensions()) return "uncollapsed global pooling";
            }
            case DENSE -> {
                DenseLayer d = (DenseLayer) l;
                if (d.hasLayerNorm()) return "layer norm";
                if (eltwise(d.getActivationFn()) == null) return "activation " + d.getActivationFn();
            }
            case OUTPUT -> {
                OutputLayer o = (OutputLayer) l;
                if (!(o.getLossFn() instanceof LossMCXENT m) || m.getWeights() != null) return "loss " + o.getLossFn();
                if (!(o.getActivationFn() instanceof ActivationSoftmax)) return "output activation " + o.getActivationFn();
            }
            default -> {
            }
        }
        return null;
    }

    /** oneDNN's eltwise algorithm and alpha for an activation; identity is {0, 0}; null when unsupported. */
    private static float[] eltwise(IActivation a) {
        if (a instanceof ActivationIdentity) return new float[] {0, 0};
        if (a instanceof ActivationReLU r) {
            if (r.getMax() != null && r.getMax() != 0.0 || r.getThreshold() != null && r.getThreshold() != 0.0
                    || r.getNegativeSlope() != null && r.getNegativeSlope() != 0.0) return null;
            return new float[] {dnnl.algorithm.eltwise_relu.value, 0};
        }
        if (a instanceof ActivationLReLU l) return new float[] {dnnl.algorithm.eltwise_relu.value, (float) l.getAlpha()};
        if (a instanceof ActivationTanH) return new float[] {dnnl.algorithm.eltwise_tanh.value, 0};
        if (a instanceof ActivationSigmoid) return new float[] {dnnl.algorithm.eltwise_logistic.value, 0};
        return null;
    }

    private static Map<String, INDArray> gradientViews(Layer l) {
        return l.conf().getLayer().initializer().getGradientsFromFlattened(l.conf(), l.getGradientsViewArray());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Memory helpers

    /** A JavaCPP pointer at a raw address. */
    private static final class Raw extends Pointer {
        Raw(long address) {
            this.address = address;
        }
    }

    /** The address of {@code a}'s first element. */
    static long address(INDArray a) {
        return a.data().address() + a.offset() * a.data().getElementSize();
    }

    /** A float buffer over {@code n} floats of native memory. */
    private static FloatBuffer floats(Pointer p, long n) {
        return new FloatPointer(p).capacity(n).asBuffer();
    }

    private static memory.desc plain(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    private static memory.desc any(long[] dims) {
        return new memory.desc(dims, memory.data_type.f32, memory.format_tag.any);
    }

    /** A descriptor for an ND4J view, its dimensions in oneDNN's order given as the view's axes in {@code axes}. */
    private static memory.desc viewDesc(INDArray a, int... axes) {
        long[] dims = new long[axes.length];
        long[] strides = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            dims[i] = a.size(axes[i]);
            strides[i] = a.stride(axes[i]);
        }
        return new memory.desc(dims, memory.data_type.f32, strides);
    }

    private static memory.desc flatDesc(INDArray a) {
        return new memory.desc(new long[] {a.length()}, memory.data_type.f32, memory.format_tag.x);
    }

    private static boolean same(memory.desc a, memory.desc b) {
        return dnnl.dnnl_memory_desc_equal(a.data(), b.data()) != 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // A plan for one batch size

    /** A value in the plan: its logical dimensions (NCHW order or [N, F]), its layout, its memory and gradient. */
    private static final class Tensor {
        final long[] dims;
        final memory.desc md;
        final memory mem;
        memory diff;
        /** Whether a backward step has written {@link #diff} yet (while the plan is being built). */
        boolean diffWritten;
        /** How many steps read it: more than one, and their gradient contributions are added up. */
        int consumers = 1;

        Tensor(long[] dims, memory.desc md, memory mem) {
            this.dims = dims;
            this.md = md;
            this.mem = mem;
        }
    }

    private interface Step {
        void run();
    }

    private final class Plan implements AutoCloseable {
        private final List<Step> forward = new ArrayList<>();
        private final List<Step> backward = new ArrayList<>();
        private final Map<String, Tensor> tensors = new HashMap<>();
        private final Map<String, Integer> consumerCount = new HashMap<>();
        /** The buffers this plan allocated, freed by {@link #close}. */
        private final List<Pointer> owned = new ArrayList<>();
        private final memory input;
        private final long batch;
        private FloatBuffer logits;
        private FloatBuffer logitsDiff;
        private long classes;

        /** Training (forward, loss, backward) or inference (forward with batch norm's running statistics). */
        private final boolean training;
        /** oneDNN's propagation kind for the forward primitives. */
        private final dnnl.prop_kind fwd;

        Plan(long n, boolean training) {
            this.batch = n;
            this.training = training;
            this.fwd = training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference;
            long[] inDims = {n, inputChw[0], inputChw[1], inputChw[2]};
            memory.desc inMd = plain(inDims, inputNhwc ? memory.format_tag.nhwc : memory.format_tag.nchw);
            input = new memory(inMd, eng, new Raw(0));
            for (Node node : nodes) for (String i : node.inputs()) consumerCount.merge(i, 1, Integer::sum);
            register(inputName, new Tensor(inDims, inMd, input));
            List<Runnable> backwardBuilders = new ArrayList<>();
            for (Node node : nodes) backwardBuilders.add(build(node));
            if (!training) return;
            // the backward steps, in reverse order of the forward ones
            for (int i = backwardBuilders.size() - 1; i >= 0; i--) {
                building = nodes.get(i).name();
                Runnable b = backwardBuilders.get(i);
                if (b != null) b.run();
            }
        }

        INDArray infer(INDArray features) {
            INDArray x = contiguous(features);
            input.set_data_handle(new Raw(address(x)));
            for (Step s : forward) s.run();
            strm._wait();
            input.set_data_handle(new Raw(0));
            INDArray out;
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
                         org.nd4j.linalg.factory.Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                out = org.nd4j.linalg.factory.Nd4j.createUninitialized(DataType.FLOAT, batch, classes);
            }
            FloatBuffer o = floats(new Raw(address(out)), batch * classes);
            int k = (int) classes;
            float[] p = new float[k];
            for (int r = 0; r < batch; r++) {
                softmax(r, p);
                for (int j = 0; j < k; j++) o.put(r * k + j, p[j]);
            }
            return out;
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
        private INDArray contiguous(INDArray x) {
            if (x.dataType() != DataType.FLOAT || x.ordering() != 'c' || !Shape.hasDefaultStridesForShape(x)) {
                return x.castTo(DataType.FLOAT).dup('c');
            }
            return x;
        }

        double run(INDArray features, INDArray labels) {
            INDArray x = contiguous(features);
            input.set_data_handle(new Raw(address(x)));
            for (Step s : forward) s.run();
            // softmax cross-entropy, as DL4J's LossMCXENT: the score clips p to [1e-10, 1 - 1e-10], the gradient not
            INDArray y = contiguous(labels);
            FloatBuffer yb = floats(new Raw(address(y)), batch * classes);
            double sum = 0;
            int k = (int) classes;
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
            for (Step s : backward) s.run();
            strm._wait();
            input.set_data_handle(new Raw(0));
            return sum / batch;
        }

        // -------------------------------------------------------------------------------------------------
        // Building: each builder adds its node's forward steps and returns what adds its backward steps

        private void register(String name, Tensor t) {
            t.consumers = consumerCount.getOrDefault(name, 0);
            tensors.put(name, t);
        }

        private memory alloc(memory.desc md) {
            memory m = new memory(md, eng);
            owned.add(m);
            return m;
        }

        private Tensor newTensor(long[] dims, memory.desc md) {
            return new Tensor(dims, md, alloc(md));
        }

        /** Adds a step running {@code p} on (argument, memory) pairs; a pair with no memory (no bias, say) is left out. */
        private void exec(List<Step> to, primitive p, Object... args) {
            IntMemoryMap m = new IntMemoryMap();
            for (int i = 0; i < args.length; i += 2) if (args[i + 1] != null) m.put((Integer) args[i], (memory) args[i + 1]);
            String what = building + ": " + p.getClass().getSimpleName();
            to.add(() -> {
                try {
                    p.execute(strm, m);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("oneDNN training step, " + what + ": " + e.getMessage(), e);
                }
            });
        }

        private void copy(List<Step> to, memory from, memory into) {
            reorder r = new reorder(from, into);
            to.add(() -> r.execute(strm, from, into));
        }

        /** {@code m} in layout {@code want}: itself, or a buffer it is reordered into by a step added to {@code to}. */
        private memory as(memory m, memory.desc want, List<Step> to) {
            if (same(m.get_desc(), want)) return m;
            memory r = alloc(want);
            copy(to, m, r);
            return r;
        }

        /** A one-dimensional parameter (or gradient) view as oneDNN memory over the same floats; null for null. */
        private memory vector(INDArray a) {
            return a == null ? null : new memory(flatDesc(a), eng, new Raw(address(a)));
        }

        private memory diffOf(Tensor t) {
            if (t.diff == null) t.diff = alloc(t.md);
            return t.diff;
        }

        private boolean needsDiff(Tensor t) {
            return t.mem != input;
        }

        /**
         * Where a consumer's backward step writes its part of {@code t}'s gradient (in {@code t}'s layout): the
         * gradient itself for the first, a scratch buffer that {@code then} adds in for the others.
         */
        private memory contribution(Tensor t, List<Step> then) {
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
        private void execInto(Tensor t, primitive p, int diffArg, Object... args) {
            List<Step> then = new ArrayList<>();
            Object[] all = java.util.Arrays.copyOf(args, args.length + 2);
            all[args.length] = diffArg;
            all[args.length + 1] = needsDiff(t) ? contribution(t, then) : alloc(t.md);
            exec(backward, p, all);
            backward.addAll(then);
        }

        /** Adds {@code from} (in {@code t}'s layout or another) into {@code t}'s gradient. */
        private void contribute(Tensor t, memory from) {
            List<Step> then = new ArrayList<>();
            copy(backward, from, contribution(t, then));
            backward.addAll(then);
        }

        /** The node being built, for error messages. */
        private String building = "";

        private Runnable build(Node node) {
            building = node.name();
            Tensor in = tensors.get(node.inputs().get(0));
            Runnable flatBack = null;
            if (node.flattenFirst()) {
                Tensor flat = flatten(in, node.flattenNhwc());
                flatBack = flat == in ? null : flattenBackward(flat, in, node.flattenNhwc());
                in = flat;
            }
            Runnable back = switch (node.kind()) {
                case CONV -> conv(node, in);
                case BATCHNORM -> batchNorm(node, in, false);
                case BATCHNORM_RELU -> batchNorm(node, in, true);
                case FUSED_RELU -> {
                    register(node.name(), in);   // the batch norm's output already is this ReLU's
                    yield null;
                }
                case ACTIVATION -> {
                    Tensor out = newTensor(in.dims, in.md);
                    Runnable b = eltwiseSteps(in, out, eltwise(((ActivationLayer) node.conf()).getActivationFn()));
                    register(node.name(), out);
                    yield b;
                }
                case IDENTITY -> {
                    int others = in.consumers - 1;
                    register(node.name(), in);
                    in.consumers += others;
                    yield null;
                }
                case POOL -> pool(node, in);
                case GLOBAL_POOL -> globalPool(node, in);
                case FLATTEN -> {
                    Tensor flat = flatten(in, node.flattenNhwc());
                    if (flat == in) {
                        int others = in.consumers - 1;
                        register(node.name(), in);
                        in.consumers += others;
                        yield null;
                    }
                    register(node.name(), flat);
                    yield flattenBackward(flat, in, node.flattenNhwc());
                }
                case DENSE -> dense(node, in, false);
                case OUTPUT -> dense(node, in, true);
                case ADD -> add(node);
            };
            if (flatBack == null) return back;
            Runnable main = back;
            Runnable after = flatBack;
            return () -> {
                if (main != null) main.run();
                after.run();
            };
        }

        /** A [N, C*H*W] vector of a feature map, in CHW order (HWC for an NHWC flatten); a vector is itself. */
        private Tensor flatten(Tensor in, boolean nhwc) {
            if (in.dims.length == 2) return in;
            long n = in.dims[0];
            long f = in.dims[1] * in.dims[2] * in.dims[3];
            Tensor out = newTensor(new long[] {n, f}, plain(new long[] {n, f}, memory.format_tag.nc));
            memory view = new memory(plain(in.dims, nhwc ? memory.format_tag.nhwc : memory.format_tag.nchw), eng,
                    out.mem.get_data_handle());
            copy(forward, in.mem, view);
            return out;
        }

        private Runnable flattenBackward(Tensor flat, Tensor in, boolean nhwc) {
            return () -> {
                if (!needsDiff(in) || flat.diff == null) return;
                memory view = new memory(plain(in.dims, nhwc ? memory.format_tag.nhwc : memory.format_tag.nchw), eng,
                        flat.diff.get_data_handle());
                contribute(in, view);
            };
        }

        /** {output size, padding before, padding after} of one spatial axis, with DL4J's convolution modes. */
        private long[] spatial(long in, long k, long s, long d, long p, ConvolutionMode mode) {
            long eff = (k - 1) * d + 1;
            if (mode == ConvolutionMode.Same) {
                long out = (in + s - 1) / s;
                long total = Math.max(0, (out - 1) * s + eff - in);
                return new long[] {out, total / 2, total - total / 2};
            }
            long out = (in + 2 * p - eff) / s + 1;
            return new long[] {out, p, (out - 1) * s + eff - in - p};
        }

        /**
         * The layer's own activation after its main op, {@code out}: registers the layer's output (the activation's,
         * or {@code out} itself for identity) and returns the activation's backward builder, or null.
         */
        private Runnable activationAfter(Node node, Tensor out, float[] alg) {
            if (alg[0] == 0 && alg[1] == 0) {
                register(node.name(), out);
                return null;
            }
            Tensor a = newTensor(out.dims, out.md);
            out.consumers = 1;
            register(node.name(), a);
            return eltwiseSteps(out, a, alg);
        }

        /** Forward steps of {@code alg} from {@code in} to {@code out}; returns the builder of its backward steps. */
        private Runnable eltwiseSteps(Tensor in, Tensor out, float[] alg) {
            eltwise_forward.primitive_desc fpd = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                    fwd.value, (int) alg[0], in.md, alg[1], 0f), eng);
            exec(forward, new eltwise_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_DST, out.mem);
            return () -> {
                if (!needsDiff(in)) return;
                eltwise_backward.primitive_desc bpd = new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                        (int) alg[0], out.md, in.md, alg[1], 0f), eng, fpd);
                execInto(in, new eltwise_backward(bpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_SRC, in.mem,
                        dnnl.DNNL_ARG_DIFF_DST, diffOf(out));
            };
        }

        private Runnable conv(Node node, Tensor in) {
            ConvolutionLayer c = (ConvolutionLayer) node.conf();
            Layer layer = node.layer();
            int[] k = c.getKernelSize();
            int[] s = c.getStride();
            int[] d = c.getDilation();
            int[] p = c.getPadding();
            long[] h = spatial(in.dims[2], k[0], s[0], d[0], p[0], c.getConvolutionMode());
            long[] w = spatial(in.dims[3], k[1], s[1], d[1], p[1], c.getConvolutionMode());
            INDArray wv = layer.getParam("W");
            INDArray bv = c.hasBias() ? layer.getParam("b") : null;
            Map<String, INDArray> gv = gradientViews(layer);
            long oc = wv.size(0);
            long[] outDims = {in.dims[0], oc, h[0], w[0]};
            long[] strides = {s[0], s[1]};
            long[] dil = {d[0] - 1, d[1] - 1};
            long[] padL = {h[1], w[1]};
            long[] padR = {h[2], w[2]};
            memory.desc userW = viewDesc(wv, 0, 1, 2, 3);
            memory.desc bMd = bv == null ? new memory.desc() : flatDesc(bv);
            memory.desc wAny = any(new long[] {oc, wv.size(1), k[0], k[1]});
            convolution_forward.primitive_desc fpd = new convolution_forward.primitive_desc(
                    new convolution_forward.desc(fwd, dnnl.algorithm.convolution_direct,
                            any(in.dims), wAny, bMd, any(outDims), strides, dil, padL, padR), eng);
            memory userWm = new memory(userW, eng, new Raw(address(wv)));
            memory wMem = as(userWm, fpd.weights_desc(), forward);
            memory src = as(in.mem, fpd.src_desc(), forward);
            Tensor out = newTensor(outDims, fpd.dst_desc());
            convolution_forward prim = new convolution_forward(fpd);
            exec(forward, prim, dnnl.DNNL_ARG_SRC, src, dnnl.DNNL_ARG_WEIGHTS, wMem, dnnl.DNNL_ARG_BIAS, vector(bv),
                    dnnl.DNNL_ARG_DST, out.mem);
            Runnable act = activationAfter(node, out, eltwise(c.getActivationFn()));
            return () -> {
                if (act != null) act.run();
                INDArray gw = gv.get("W");
                memory.desc gUser = viewDesc(gw, 0, 1, 2, 3);
                memory.desc gbMd = bv == null ? new memory.desc() : flatDesc(gv.get("b"));
                // backward primitives pick their own layouts too (a plain input may have no fast kernel)
                convolution_backward_weights.primitive_desc wpd = new convolution_backward_weights.primitive_desc(
                        new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, any(in.dims),
                                wAny, gbMd, any(outDims), strides, dil, padL, padR), eng, fpd);
                memory wSrc = as(src, wpd.src_desc(), backward);
                memory wDiffDst = as(diffOf(out), wpd.diff_dst_desc(), backward);
                memory gUserM = new memory(gUser, eng, new Raw(address(gw)));
                memory gW = same(wpd.diff_weights_desc(), gUser) ? gUserM : alloc(wpd.diff_weights_desc());
                convolution_backward_weights wprim = new convolution_backward_weights(wpd);
                exec(backward, wprim, dnnl.DNNL_ARG_SRC, wSrc, dnnl.DNNL_ARG_DIFF_DST, wDiffDst,
                        dnnl.DNNL_ARG_DIFF_WEIGHTS, gW, dnnl.DNNL_ARG_DIFF_BIAS, vector(bv == null ? null : gv.get("b")));
                if (gW != gUserM) copy(backward, gW, gUserM);
                if (!needsDiff(in)) return;   // a convolution on the network input: no input gradient
                convolution_backward_data.primitive_desc dpd = new convolution_backward_data.primitive_desc(
                        new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, any(in.dims), wAny,
                                any(outDims), strides, dil, padL, padR), eng, fpd);
                // the forward pass's reordered weights when the layouts agree, else the graph's reordered again
                memory wData = same(dpd.weights_desc(), wMem.get_desc()) ? wMem
                        : as(userWm, dpd.weights_desc(), backward);
                memory dDiffDst = as(diffOf(out), dpd.diff_dst_desc(), backward);
                convolution_backward_data dprim = new convolution_backward_data(dpd);
                if (same(dpd.diff_src_desc(), in.md)) {
                    execInto(in, dprim, dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_DST, dDiffDst,
                            dnnl.DNNL_ARG_WEIGHTS, wData);
                } else {
                    memory tmp = alloc(dpd.diff_src_desc());
                    exec(backward, dprim, dnnl.DNNL_ARG_DIFF_DST, dDiffDst, dnnl.DNNL_ARG_WEIGHTS, wData,
                            dnnl.DNNL_ARG_DIFF_SRC, tmp);
                    contribute(in, tmp);
                }
            };
        }

        /** Batch norm, and with {@code relu} the ReLU after it in the same primitive (its mask in a workspace). */
        private Runnable batchNorm(Node node, Tensor in, boolean relu) {
            BatchNormalization b = (BatchNormalization) node.conf();
            Layer layer = node.layer();
            int c = (int) in.dims[1];
            float eps = (float) b.getEps();
            int flags = dnnl.dnnl_use_scale | dnnl.dnnl_use_shift | (relu ? dnnl.dnnl_fuse_norm_relu : 0)
                    | (training ? 0 : dnnl.dnnl_use_global_stats);
            batch_normalization_forward.primitive_desc fpd = new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(fwd.value, in.md, eps, flags), eng);
            Tensor out = newTensor(in.dims, fpd.dst_desc());
            memory mean = alloc(fpd.mean_desc());
            memory var = alloc(fpd.variance_desc());
            memory ws = relu && training ? alloc(fpd.workspace_desc()) : null;
            INDArray gamma = layer.getParam(BatchNormalizationParamInitializer.GAMMA);
            INDArray beta = layer.getParam(BatchNormalizationParamInitializer.BETA);
            memory gammaM = vector(gamma);
            memory betaM = vector(beta);
            // DL4J's running statistics: the mean, and the variance or log10 of the standard deviation
            boolean logStd = b.isUseLogStd();
            String varKey = logStd ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                    : BatchNormalizationParamInitializer.GLOBAL_VAR;
            FloatBuffer bMean = floats(mean.get_data_handle(), c);
            FloatBuffer bVar = floats(var.get_data_handle(), c);
            FloatBuffer pMean = floats(new Raw(address(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN))), c);
            FloatBuffer pVar = floats(new Raw(address(layer.getParam(varKey))), c);
            if (!training) {   // normalise with them, as DL4J's inference: var = (10^log10std)^2
                forward.add(() -> {
                    for (int i = 0; i < c; i++) {
                        bMean.put(i, pMean.get(i));
                        double std = logStd ? Math.pow(10.0, pVar.get(i)) : 0;
                        bVar.put(i, logStd ? (float) (std * std) : pVar.get(i));
                    }
                });
            }
            exec(forward, new batch_normalization_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_DST, out.mem,
                    dnnl.DNNL_ARG_SCALE, gammaM, dnnl.DNNL_ARG_SHIFT, betaM, dnnl.DNNL_ARG_MEAN, mean,
                    dnnl.DNNL_ARG_VARIANCE, var, dnnl.DNNL_ARG_WORKSPACE, ws);
            register(node.name(), out);
            if (!training) return null;
            // training: their update is a "gradient" DL4J's updater subtracts (BatchNormalization.backpropGradient),
            // from the batch's mean and biased variance
            Map<String, INDArray> gv = gradientViews(layer);
            double decay = b.getDecay();
            FloatBuffer dMean = floats(new Raw(address(gv.get(BatchNormalizationParamInitializer.GLOBAL_MEAN))), c);
            FloatBuffer dVar = floats(new Raw(address(gv.get(varKey))), c);
            double oneOn2LogE10 = 1.0 / (2.0 * Math.log(10.0));
            forward.add(() -> {
                for (int i = 0; i < c; i++) {
                    dMean.put(i, (float) ((pMean.get(i) - bMean.get(i)) * (1 - decay)));
                    if (logStd) {
                        double vi = Math.pow(10.0, pVar.get(i));
                        vi *= vi;
                        double vip1 = vi * decay + bVar.get(i) * (1 - decay);
                        dVar.put(i, (float) (Math.log(vi / vip1) * oneOn2LogE10));
                    } else {
                        dVar.put(i, (float) ((pVar.get(i) - bVar.get(i)) * (1 - decay)));
                    }
                }
            });
            return () -> {
                batch_normalization_backward.primitive_desc bpd = new batch_normalization_backward.primitive_desc(
                        new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, out.md, in.md, eps, flags),
                        eng, fpd);
                INDArray dg = gv.get(BatchNormalizationParamInitializer.GAMMA);
                INDArray db = gv.get(BatchNormalizationParamInitializer.BETA);
                execInto(in, new batch_normalization_backward(bpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_SRC, in.mem,
                        dnnl.DNNL_ARG_MEAN, mean, dnnl.DNNL_ARG_VARIANCE, var, dnnl.DNNL_ARG_DIFF_DST, diffOf(out),
                        dnnl.DNNL_ARG_SCALE, gammaM, dnnl.DNNL_ARG_SHIFT, betaM, dnnl.DNNL_ARG_DIFF_SCALE, vector(dg),
                        dnnl.DNNL_ARG_DIFF_SHIFT, vector(db), dnnl.DNNL_ARG_WORKSPACE, ws);
            };
        }

        private Runnable pool(Node node, Tensor in) {
            SubsamplingLayer sl = (SubsamplingLayer) node.conf();
            int[] k = sl.getKernelSize();
            int[] s = sl.getStride();
            int[] p = sl.getPadding();
            long[] h = spatial(in.dims[2], k[0], s[0], 1, p[0], sl.getConvolutionMode());
            long[] w = spatial(in.dims[3], k[1], s[1], 1, p[1], sl.getConvolutionMode());
            dnnl.algorithm alg = sl.getPoolingType() == PoolingType.MAX ? dnnl.algorithm.pooling_max
                    : sl.isAvgPoolIncludePadInDivisor() ? dnnl.algorithm.pooling_avg_include_padding
                    : dnnl.algorithm.pooling_avg_exclude_padding;
            return poolSteps(node, in, alg, new long[] {in.dims[0], in.dims[1], h[0], w[0]}, new long[] {s[0], s[1]},
                    new long[] {k[0], k[1]}, new long[] {h[1], w[1]}, new long[] {h[2], w[2]}, false);
        }

        private Runnable globalPool(Node node, Tensor in) {
            GlobalPoolingLayer g = (GlobalPoolingLayer) node.conf();
            if (in.dims.length != 4) throw new Unsupported(node.name() + ": global pooling of a vector");
            dnnl.algorithm alg = g.getPoolingType() == PoolingType.MAX ? dnnl.algorithm.pooling_max
                    : dnnl.algorithm.pooling_avg_exclude_padding;
            return poolSteps(node, in, alg, new long[] {in.dims[0], in.dims[1], 1, 1}, new long[] {1, 1},
                    new long[] {in.dims[2], in.dims[3]}, new long[] {0, 0}, new long[] {0, 0}, true);
        }

        private Runnable poolSteps(Node node, Tensor in, dnnl.algorithm alg, long[] outDims, long[] strides,
                                   long[] kernel, long[] padL, long[] padR, boolean toVector) {
            pooling_forward.primitive_desc fpd = new pooling_forward.primitive_desc(new pooling_forward.desc(
                    fwd, alg, in.md, any(outDims), strides, kernel, padL, padR), eng);
            Tensor out = newTensor(outDims, fpd.dst_desc());
            boolean max = alg == dnnl.algorithm.pooling_max;
            memory ws = max && training ? alloc(fpd.workspace_desc()) : null;
            pooling_forward prim = new pooling_forward(fpd);
            exec(forward, prim, dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_DST, out.mem, dnnl.DNNL_ARG_WORKSPACE, ws);
            Runnable vectorBack = null;
            if (toVector) {
                Tensor v = flatten(out, false);
                register(node.name(), v);
                vectorBack = flattenBackward(v, out, false);
            } else {
                register(node.name(), out);
            }
            Runnable vb = vectorBack;
            return () -> {
                if (vb != null) vb.run();
                if (!needsDiff(in)) return;
                pooling_backward.primitive_desc bpd = new pooling_backward.primitive_desc(new pooling_backward.desc(
                        alg, in.md, out.md, strides, kernel, padL, padR), eng, fpd);
                execInto(in, new pooling_backward(bpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_DST, diffOf(out),
                        dnnl.DNNL_ARG_WORKSPACE, ws);
            };
        }

        private Runnable dense(Node node, Tensor in, boolean output) {
            if (in.dims.length != 2) throw new Unsupported(node.name() + ": dense layer on a feature map");
            Layer layer = node.layer();
            INDArray wv = layer.getParam("W");    // [nIn, nOut]
            INDArray bv = layer.getParam("b");
            Map<String, INDArray> gv = gradientViews(layer);
            long n = in.dims[0];
            long nOut = wv.size(1);
            long[] outDims = {n, nOut};
            memory.desc wMd = viewDesc(wv, 1, 0);           // oneDNN's {out, in}
            memory.desc bMd = bv == null ? new memory.desc() : flatDesc(bv);
            memory.desc oMd = plain(outDims, memory.format_tag.nc);
            inner_product_forward.primitive_desc fpd = new inner_product_forward.primitive_desc(
                    new inner_product_forward.desc(fwd, in.md, wMd, bMd, oMd), eng);
            Tensor out = newTensor(outDims, oMd);
            memory wM = new memory(wMd, eng, new Raw(address(wv)));
            exec(forward, new inner_product_forward(fpd), dnnl.DNNL_ARG_SRC, in.mem, dnnl.DNNL_ARG_WEIGHTS, wM,
                    dnnl.DNNL_ARG_BIAS, vector(bv), dnnl.DNNL_ARG_DST, out.mem);
            Runnable act = null;
            if (output) {
                classes = nOut;
                logits = floats(out.mem.get_data_handle(), n * nOut);
                if (training) {
                    logitsDiff = floats(diffOf(out).get_data_handle(), n * nOut);
                    out.diffWritten = true;
                }
                register(node.name(), out);
            } else {
                act = activationAfter(node, out, eltwise(((DenseLayer) node.conf()).getActivationFn()));
            }
            Runnable a = act;
            return () -> {
                if (a != null) a.run();
                INDArray gw = gv.get("W");
                memory.desc gwMd = viewDesc(gw, 1, 0);
                memory.desc gbMd = bv == null ? new memory.desc() : flatDesc(gv.get("b"));
                inner_product_backward_weights.primitive_desc wpd = new inner_product_backward_weights.primitive_desc(
                        new inner_product_backward_weights.desc(in.md, gwMd, gbMd, oMd), eng, fpd);
                memory gwM = new memory(gwMd, eng, new Raw(address(gw)));
                exec(backward, new inner_product_backward_weights(wpd), dnnl.DNNL_ARG_SRC, in.mem,
                        dnnl.DNNL_ARG_DIFF_DST, diffOf(out), dnnl.DNNL_ARG_DIFF_WEIGHTS, gwM,
                        dnnl.DNNL_ARG_DIFF_BIAS, vector(bv == null ? null : gv.get("b")));
                if (!needsDiff(in)) return;
                inner_product_backward_data.primitive_desc dpd = new inner_product_backward_data.primitive_desc(
                        new inner_product_backward_data.desc(in.md, wMd, oMd), eng, fpd);
                execInto(in, new inner_product_backward_data(dpd), dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_DST,
                        diffOf(out), dnnl.DNNL_ARG_WEIGHTS, wM);
            };
        }

        private Runnable add(Node node) {
            List<Tensor> ins = new ArrayList<>();
            for (String i : node.inputs()) ins.add(tensors.get(i));
            Tensor first = ins.get(0);
            Tensor out = newTensor(first.dims, first.md);
            for (int i = 1; i < ins.size(); i++) {
                memory a = i == 1 ? first.mem : out.mem;
                memory.desc aMd = i == 1 ? first.md : out.md;
                binary.primitive_desc pd = new binary.primitive_desc(
                        new binary.desc(dnnl.algorithm.binary_add, aMd, ins.get(i).md, out.md), eng);
                exec(forward, new binary(pd), dnnl.DNNL_ARG_SRC_0, a, dnnl.DNNL_ARG_SRC_1, ins.get(i).mem,
                        dnnl.DNNL_ARG_DST, out.mem);
            }
            register(node.name(), out);
            return () -> {
                for (Tensor t : ins) {
                    if (!needsDiff(t)) continue;
                    if (t.consumers == 1 && t.diff == null && same(t.md, out.md)) {
                        t.diff = diffOf(out);     // its only consumer passes the gradient through: share it
                        t.diffWritten = true;
                    } else {
                        contribute(t, diffOf(out));
                    }
                }
            };
        }

        @Override
        public void close() {
            for (Pointer p : owned) p.close();
            owned.clear();
            input.close();
        }
    }
}
