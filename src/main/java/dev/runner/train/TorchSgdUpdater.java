package dev.runner.train;

import java.util.Collections;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/** The state and step of {@link TorchSgd}: turns the gradient, in place, into the update DL4J subtracts. */
public class TorchSgdUpdater implements GradientUpdater<TorchSgd> {
    public static final String V_STATE = "V";

    private final TorchSgd config;
    private INDArray v;

    public TorchSgdUpdater(TorchSgd config) {
        this.config = config;
    }

    @Override
    public TorchSgd getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (config.getMomentum() == 0) {
            if (stateMap != null && !stateMap.isEmpty()) {
                throw new IllegalStateException("TorchSgd without momentum has no state, got " + stateMap.keySet());
            }
            return;
        }
        if (stateMap == null || !stateMap.containsKey(V_STATE) || stateMap.size() != 1) {
            throw new IllegalStateException("TorchSgd state must hold exactly [" + V_STATE + "], got "
                    + (stateMap == null ? null : stateMap.keySet()));
        }
        v = stateMap.get(V_STATE);
        if (initialize) {
            v.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() {
        return v == null ? Collections.emptyMap() : Collections.singletonMap(V_STATE, v);
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (config.getMomentum() == 0) {
            return;
        }
        if (initialize) {
            viewArray.assign(0);
        }
        INDArray reshaped = Shape.newShapeNoCopy(viewArray.reshape(viewArray.length()), gradientShape, gradientOrder == 'f');
        if (reshaped == null) {
            throw new IllegalStateException("Could not reshape the TorchSgd state view array");
        }
        v = reshaped;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        double lr = config.getLearningRate(iteration, epoch);
        double mu = config.getMomentum();
        if (mu == 0) {
            gradient.muli(lr);
            return;
        }
        if (v == null) {
            throw new IllegalStateException("TorchSgd updater has not been initialised with its state");
        }
        INDArray g = java.util.Arrays.equals(gradient.shape(), v.shape()) ? gradient
                : Shape.newShapeNoCopy(gradient, v.shape(), gradient.ordering() == 'f');
        boolean copied = g == null;
        if (copied) {
            g = gradient.reshape(v.shape()).dup();
        }
        if (iteration == 0) {
            v.assign(g);                                   // torch: buf = clone(g) on the first step
        } else {
            double dampening = config.getDampening();
            if (dampening == 0) {
                Nd4j.exec(new Axpy(v, g, v, mu));          // the usual case: v = mu*v + g, one pass
            } else {
                v.muli(mu).addi(g.mul(1.0 - dampening));
            }
        }
        if (config.isNesterov()) {
            Nd4j.exec(new Axpy(v, g, g, mu));              // g + mu*v, without a temporary array
            g.muli(lr);
        } else {
            v.mul(lr, g);                                  // g = lr*v, one pass
        }
        if (copied) {
            gradient.assign(g.reshape(gradient.shape()));
        }
    }
}
