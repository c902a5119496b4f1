package dev.runner.train;

import dev.runner.model.onednn.AdamKernel;
import dev.runner.model.onednn.OneDnnStep;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/** The state (first and second moments) and step of {@link TorchAdam}. */
public class TorchAdamUpdater implements GradientUpdater<TorchAdam> {
    public static final String M_STATE = "M";
    public static final String V_STATE = "V";

    private final TorchAdam config;
    private INDArray m;
    private INDArray v;
    /**
     * The step on a CPU: oneDNN's vectorised primitives ({@link AdamKernel}), 6-7x faster than libnd4j's
     * {@code adam_updater}, which runs element by element; libnd4j's op elsewhere (CUDA).
     */
    private AdamKernel kernel;
    private boolean noKernel;

    public TorchAdamUpdater(TorchAdam config) {
        this.config = config;
    }

    @Override
    public TorchAdam getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (stateMap == null || !stateMap.containsKey(M_STATE) || !stateMap.containsKey(V_STATE)
                || stateMap.size() != 2) {
            throw new IllegalStateException("TorchAdam state must hold [M, V], got "
                    + (stateMap == null ? null : stateMap.keySet()));
        }
        m = stateMap.get(M_STATE);
        v = stateMap.get(V_STATE);
        if (initialize) {
            m.assign(0);
            v.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> r = new HashMap<>();
        r.put(M_STATE, m);
        r.put(V_STATE, v);
        return r;
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (initialize) {
            viewArray.assign(0);
        }
        long n = viewArray.length() / 2;
        INDArray flat = viewArray.reshape(viewArray.length());
        m = Shape.newShapeNoCopy(flat.get(NDArrayIndex.interval(0, n)), gradientShape, gradientOrder == 'f');
        v = Shape.newShapeNoCopy(flat.get(NDArrayIndex.interval(n, 2 * n)), gradientShape, gradientOrder == 'f');
        if (m == null || v == null) {
            throw new IllegalStateException("Could not reshape the TorchAdam state view array");
        }
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (m == null || v == null) {
            throw new IllegalStateException("TorchAdam updater has not been initialised with its state");
        }
        double lr = config.getLearningRate(iteration, epoch);
        double b1 = config.getBeta1();
        double b2 = config.getBeta2();
        int t = iteration + 1;
        double bc2 = 1 - Math.pow(b2, t);

        INDArray g = Arrays.equals(gradient.shape(), m.shape()) ? gradient
                : Shape.newShapeNoCopy(gradient, m.shape(), gradient.ordering() == 'f');
        boolean copied = g == null;
        if (copied) {
            g = gradient.reshape(m.shape()).dup();
        }
        if (kernel(g, m, v)) {
            kernel.step(g, m, v, lr / (1 - Math.pow(b1, t)), bc2);
        } else {
            libnd4jStep(g, lr, b1, b2, bc2, iteration);
        }
        if (copied) {
            gradient.assign(g.reshape(gradient.shape()));
        }
    }

    /** oneDNN's kernel for these arrays, made on first use; false where it cannot run (not a CPU, not f32...). */
    private boolean kernel(INDArray g, INDArray m, INDArray v) {
        if (kernel == null && !noKernel) {
            noKernel = OneDnnStep.unavailable() != null;
            if (!noKernel) {
                kernel = new AdamKernel(g.length(), config.getBeta1(), config.getBeta2(), config.getEpsilon());
            }
        }
        return kernel != null && kernel.accepts(g, m, v);
    }

    private void libnd4jStep(INDArray g, double lr, double b1, double b2, double bc2, int iteration) {
        // One native pass (libnd4j's adam_updater): it computes
        // lr·sqrt(bc2)/bc1 · m / (sqrt(v) + eps'), which with eps' = eps·sqrt(bc2) is torch's
        // lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps). It was 13 passes and 3 temporary arrays.
        Nd4j.exec(new AdamUpdater(g, v, m, lr, b1, b2, config.getEpsilon() * Math.sqrt(bc2), iteration));
    }
}
