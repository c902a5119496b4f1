package dev.runner.model;

import java.util.Map;
import dev.runner.model.onednn.Mem;
import dev.runner.model.onednn.OneDnnStep;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ComputationGraph every network is: its forward and backward passes run on the engine chosen for it (the
 * {@link OneDnnStep} it is given, or DL4J's own layers), and its updater takes its cheap path.
 *
 * <p>The updater's cheap path. DL4J M2.1's updater treats a gradient as "external"
 * (computed in another network) when {@code gradient.gradient()} is not the very array of the network's
 * flattened gradients, and a ComputationGraph's gradient never is: {@code DefaultGradient.gradient()} returns a
 * fresh reshaped view each call. The external path then cuts a parameter view and a gradient view out of the
 * flat arrays for every parameter, twice a step (before and after the update), whether or not it has any
 * regularisation: 11 % of a batch-4 step of the tutorial CNN (JFR). Here the solver gets a gradient whose
 * {@code gradient()} is the network's own array, so the updater uses the views it made once.
 *
 * <p>The solver also ends every step with {@code setParams(params())}, meant as a no-op; but {@code params()} is a
 * fresh reshaped view of the flattened parameters, never the array itself, so the stock method copied every
 * parameter onto itself each step (19.6 MB for ResNet9). Here a view of exactly that memory is recognised.
 */
final class EngineGraph extends ComputationGraph {
    private OneDnnStep oneDnn;
    /** The labels last set (ComputationGraph keeps its own private). */
    private INDArray[] labelsSet;

    EngineGraph(ComputationGraphConfiguration configuration) {
        super(configuration);
    }

    /** {@code graph} itself if it is one, else an EngineGraph with its configuration, parameters and updater state. */
    static EngineGraph of(ComputationGraph graph) {
        if (graph instanceof EngineGraph e) return e;
        EngineGraph g = new EngineGraph(graph.getConfiguration());
        g.init(graph.params(), false);
        ComputationGraphUpdater u = graph.getUpdater(false);
        if (u != null && u.getStateViewArray() != null) {
            g.getUpdater(true).setStateViewArray(u.getStateViewArray());
        }
        g.setListeners(graph.getListeners());
        return g;
    }

    @Override
    public void setParams(INDArray params) {
        if (sameMemory(params, flattenedParams)) return;
        super.setParams(params);
        if (oneDnn != null) oneDnn.parametersChanged();
    }

    @Override
    public void setParam(String key, INDArray val) {
        super.setParam(key, val);
        if (oneDnn != null) oneDnn.parametersChanged();
    }

    /** Whether {@code a} and {@code b} are the same elements of the same buffer, both contiguous. */
    static boolean sameMemory(INDArray a, INDArray b) {
        // a reshape wraps the same memory in a new DataBuffer: compare where the first elements are
        return a != null && b != null && a.dataType() == b.dataType() && a.length() == b.length()
                && Mem.address(a) == Mem.address(b)
                && a.elementWiseStride() == 1 && b.elementWiseStride() == 1;
    }

    /**
     * Runs forward and backward passes on {@code step} from now on (null: DL4J's layers). Training listeners get
     * every call but {@code onForwardPass}: the step has no DL4J activations to give them (the runner registers
     * none).
     */
    void trainWith(OneDnnStep step) {
        if (oneDnn != null && oneDnn != step) oneDnn.close();   // its plans' native buffers, now
        this.oneDnn = step;
        this.stepGradient = step == null ? null : new OwnView(step.gradientViews(), getFlattenedGradients());
    }

    private Gradient stepGradient;

    /** The oneDNN step in use, or null. */
    OneDnnStep oneDnnStep() {
        return oneDnn;
    }

    @Override
    public void computeGradientAndScore() {
        OneDnnStep step = oneDnn;
        if (step == null) {
            super.computeGradientAndScore();
            return;
        }
        INDArray[] in = getInputs();
        INDArray[] labels = labelsSet;
        if (in == null || in.length != 1 || labels == null || labels.length != 1 || getInputMaskArrays() != null
                || getLabelMaskArrays() != null) {
            throw new IllegalStateException("the oneDNN step takes one input array and one label array, no masks");
        }
        double loss = step.run(in[0], labels[0]);
        gradient = stepGradient;
        score = loss + calcRegularizationScore(true);   // the batch mean, as DL4J's, whatever the reduction
        for (TrainingListener l : getListeners()) l.onBackwardPass(this);
    }

    @Override
    public void setLabels(INDArray... labels) {
        super.setLabels(labels);
        labelsSet = labels;
    }

    @Override
    public void setLabel(int labelNum, INDArray label) {
        super.setLabel(labelNum, label);
        labelsSet = null; // set one by one: DL4J's own path, which reads its own copy
    }

    @Override
    public void clear() {
        super.clear();
        labelsSet = null;
    }

    @Override
    public Pair<Gradient, Double> gradientAndScore() {
        Pair<Gradient, Double> p = super.gradientAndScore();
        INDArray flat = getFlattenedGradients();
        if (p.getFirst() == null || flat == null || p.getFirst() instanceof OwnView) return p;
        return new Pair<>(new OwnView(p.getFirst(), flat), p.getSecond());
    }

    /** The same per-variable gradients, with {@link #gradient()} the network's flattened gradient array itself. */
    static final class OwnView extends DefaultGradient {
        private final INDArray flat;

        OwnView(Gradient g, INDArray flat) {
            super(flat);
            this.flat = flat;
            for (Map.Entry<String, INDArray> e : g.gradientForVariable().entrySet()) {
                setGradientFor(e.getKey(), e.getValue(), g.flatteningOrderForVariable(e.getKey()));
            }
        }

        OwnView(Map<String, INDArray> views, INDArray flat) {
            super(flat);
            this.flat = flat;
            views.forEach(this::setGradientFor);
        }

        @Override
        public INDArray gradient() {
            return flat;
        }
    }
}
