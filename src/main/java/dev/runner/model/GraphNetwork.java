package dev.runner.model;

import dev.runner.UserError;
import dev.runner.model.onednn.Bf16Rule;
import dev.runner.model.onednn.CpuIsa;
import dev.runner.model.onednn.OneDnnStep;
import dev.runner.spec.ModelSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

/** A compiled ComputationGraph behind the {@link Network} interface, placed on its engine ({@link Placement}). */
final class GraphNetwork implements Network {
    /** Batch-norm running statistics: DL4J stores them as parameters, PyTorch as buffers. */
    static final Set<String> NOT_TRAINABLE = Set.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);

    private final EngineGraph graph;
    private final ModelSpec spec;
    private final CompileOptions options;
    private final Placement placement;
    private final Precision precision;
    private final List<LayerRow> rows;
    private final Set<String> nodeNames;
    private final boolean regularized;
    private final long trainable;
    /** Forward multiply-accumulates per sample of each convolution and dense layer (the bf16 rule's measure). */
    private final Map<String, Double> layerMacs;
    /** Forward multiply-accumulates per sample: sizes the thread count of each call. */
    private final double macsPerSample;
    private double score = Double.NaN;

    private GraphNetwork(EngineGraph graph, ModelSpec spec, CompileOptions options, List<GraphCompiler.Row> specRows,
                         Map<String, Double> layerMacs) {
        this.graph = graph;
        this.spec = spec;
        this.options = options;
        this.placement = Placement.decide(options.engine(), Backend.device(), OneDnnStep.unavailable(),
                OneDnnStep.refusal(spec));
        this.precision = Precision.decide(options.precision(), placement,
                options.cpuIsa() != null ? options.cpuIsa() : CpuIsa.effective());
        this.layerMacs = Map.copyOf(layerMacs);
        this.macsPerSample = layerMacs.values().stream().mapToDouble(Double::doubleValue).sum();
        Bf16Rule rule = !precision.bf16() ? Bf16Rule.NONE
                : (layer, batch) -> precision.bf16For(this.layerMacs.getOrDefault(layer, 0.0) * batch);
        this.graph.trainWith(placement.engine().equals(Placement.ONEDNN)
                ? OneDnnStep.of(this.graph, spec, options.layout(), options.seed(), rule) : null);
        this.regularized = scoresPenalty(this.graph);
        List<LayerRow> r = new ArrayList<>();
        long total = 0;
        for (GraphCompiler.Row row : specRows) {
            long p = trainableParams(this.graph.getLayer(row.name()));
            total += p;
            r.add(new LayerRow(row.name(), row.type(), row.shape().clone(), p, frozen(spec, this.graph, row.name())));
        }
        this.rows = Collections.unmodifiableList(r);
        this.trainable = total;
        this.nodeNames = new java.util.LinkedHashSet<>();
        for (LayerRow row : r) nodeNames.add(row.name());
    }

    /**
     * The network around a freshly built graph, placed on its engine.
     *
     * @throws dev.runner.spec.lang.SpecException naming the layer when the engine asked for cannot run it
     */
    static GraphNetwork create(EngineGraph graph, ModelSpec spec, CompileOptions options,
                               List<GraphCompiler.Row> rows, Map<String, Double> layerMacs) {
        return new GraphNetwork(graph, spec, options, rows, layerMacs);
    }

    /**
     * Whether DL4J's score of {@code graph} includes a weight penalty: networks compiled now decay weights with
     * {@link TorchWeightDecay}, which scores nothing; checkpoints written before that used DL4J's L2, whose
     * penalty {@link #fit} subtracts so the reported loss stays torch's.
     */
    static boolean scoresPenalty(ComputationGraph graph) {
        for (Layer l : graph.getLayers()) {
            if (!(l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b)) continue;
            for (String p : l.paramTable().keySet()) {
                List<org.nd4j.linalg.learning.regularization.Regularization> rs = b.getRegularizationByParam(p);
                if (rs == null) continue;
                for (var r : rs) if (!(r instanceof TorchWeightDecay)) return true;
            }
        }
        return false;
    }

    /** The parameters of layer {@code name} that never train ({@code trainable: false}). */
    static long frozen(ModelSpec spec, ComputationGraph graph, String name) {
        Layer layer = graph.getLayer(name);
        if (layer == null) return 0;
        long n = 0;
        for (dev.runner.spec.LayerNode node : spec.nodes()) {
            if (!node.name().equals(name)) continue;
            boolean bn = node.layer() instanceof dev.runner.spec.layers.BatchNorm;
            for (String p : node.layer().paramNames()) {
                INDArray a = layer.paramTable().get(p.equals("bias") ? (bn ? "beta" : "b") : (bn ? "gamma" : "W"));
                if (node.frozen(p) && a != null) n += a.length();
            }
        }
        return n;
    }

    static long trainableParams(Layer layer) {
        if (layer == null) return 0;
        long n = 0;
        for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
            if (!NOT_TRAINABLE.contains(e.getKey())) n += e.getValue().length();
        }
        return n;
    }

    @Override
    public String layout() {
        return options.layout();
    }

    @Override
    public void fit(DataSet batch) {
        // Torch reports the loss alone. A graph whose score includes an L2 penalty (0.5 * wd * |p|^2; see
        // scoresPenalty) has it subtracted, computed from the parameters before the update as DL4J does.
        // forward + backward is about three forward passes of work
        Backend.configureThread(Backend.threadsFor(3 * macsPerSample * batch.getFeatures().size(0)));
        double penalty = regularized ? graph.calcRegularizationScore(true) : 0.0;
        graph.fit(spec.labelSmoothing() > 0 ? smoothed(batch, spec.labelSmoothing()) : batch);
        // the recorded loss is the batch mean whatever the reduction (DL4J's score is the mean either way)
        score = graph.score() - penalty;
    }

    /**
     * {@code batch} with its one-hot labels y replaced by {@code (1 - s) y + s / classes}: cross-entropy on these
     * targets is {@code nn.CrossEntropyLoss(label_smoothing=s)}, in its value and its gradient (softmax - target),
     * on either engine.
     */
    static DataSet smoothed(DataSet batch, double s) {
        INDArray y = batch.getLabels();
        INDArray t = y.mul(1 - s).addi(s / y.size(1));
        return new org.nd4j.linalg.dataset.DataSet(batch.getFeatures(), t);
    }

    @Override
    public double score() {
        return score;
    }

    @Override
    public INDArray output(INDArray features) {
        Backend.configureThread(Backend.threadsFor(macsPerSample * features.size(0)));
        OneDnnStep step = graph.oneDnnStep();
        return step != null ? step.output(features) : graph.output(false, features)[0];
    }

    /**
     * Feature maps come back in PyTorch's order, [batch, channels, height, width], whatever the layout; vectors
     * as [batch, n].
     */
    @Override
    public Map<String, INDArray> activations(List<String> layers, INDArray features) {
        for (String l : layers) {
            if (!nodeNames.contains(l)) {
                throw new UserError("no layer named '" + l + "'; the layers are " + String.join(", ", nodeNames));
            }
        }
        // Each layer's activation comes from a forward pass that stops at that layer. A full feedForward is not
        // enough: in inference an activation layer applies its function in place on its input, so the map's entry
        // for the layer before it (conv1 before relu1) would hold the activated values. And DL4J M2.1's
        // output(List, ...) trips over its own workspace bookkeeping (a NullPointerException, then a workspace left
        // open on the thread).
        int[] order = graph.topologicalSortOrder();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : layers) {
            int vertex = graph.getVertex(name).getVertexIndex();
            int position = -1;
            for (int i = 0; i < order.length; i++) if (order[i] == vertex) position = i;
            INDArray a = forwardUpTo(position, features).get(name);
            if (a.rank() == 4 && options.layout().equals("NHWC")) a = a.permute(0, 3, 1, 2);
            out.put(name, a.dup('c'));
        }
        return out;
    }

    private static final java.lang.reflect.Method FF_DETACHED = findForward();

    private static java.lang.reflect.Method findForward() {
        try {
            java.lang.reflect.Method m = ComputationGraph.class.getDeclaredMethod("ffToLayerActivationsDetached",
                    boolean.class, org.deeplearning4j.nn.api.FwdPassType.class, boolean.class, int.class, int[].class,
                    INDArray[].class, INDArray[].class, INDArray[].class, boolean.class);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("DL4J's ComputationGraph lacks ffToLayerActivationsDetached: "
                    + "not DL4J 1.0.0-M2.1?", e);
        }
    }

    /** Detached inference activations of every vertex up to topological position {@code position}. */
    @SuppressWarnings("unchecked")
    private Map<String, INDArray> forwardUpTo(int position, INDArray features) {
        try {
            return (Map<String, INDArray>) FF_DETACHED.invoke(graph, false, org.deeplearning4j.nn.api.FwdPassType.STANDARD,
                    false, position, null, new INDArray[] {features}, null, null, true);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<LayerRow> summary() {
        return rows;
    }

    @Override
    public long trainableParams() {
        return trainable;
    }

    @Override
    public ComputationGraph graph() {
        return graph;
    }

    @Override
    public Placement placement() {
        return placement;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public Map<String, String> layerPrecisions(int batch) {
        OneDnnStep step = graph.oneDnnStep();
        return step == null || !step.bf16() ? Map.of() : step.precisions(batch);
    }

    @Override
    public List<String> slowKernels() {
        OneDnnStep step = graph.oneDnnStep();
        return step == null ? null : step.slowKernels();
    }

    /** The input's [channels, height, width]. */
    int[] inputShape() {
        return spec.input().clone();
    }

    /** Forward multiply-accumulates per sample (convolutions and dense layers). */
    double macsPerSample() {
        return macsPerSample;
    }

    /** The same network description around another graph of the same architecture (a restored checkpoint). */
    GraphNetwork withGraph(ComputationGraph other) {
        if (other.numParams() != graph.numParams()
                || !other.getConfiguration().getTopologicalOrderStr().equals(graph.getConfiguration().getTopologicalOrderStr())) {
            throw new IllegalArgumentException("the graph does not match the compiled spec ("
                    + other.numParams() + " parameters, expected " + graph.numParams() + ")");
        }
        List<GraphCompiler.Row> specRows = new ArrayList<>();
        for (LayerRow r : rows) specRows.add(new GraphCompiler.Row(r.name(), r.type(), r.outputShape()));
        graph.trainWith(null);   // this one is done with: free its plans
        return new GraphNetwork(EngineGraph.of(other), spec, options, specRows, layerMacs);
    }
}
