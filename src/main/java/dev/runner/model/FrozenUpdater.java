package dev.runner.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The updater of a frozen layer ({@code trainable: false}): its update is zero, so its parameters stay as they
 * are, as PyTorch's {@code requires_grad = False}. (DL4J's {@code NoOp} would subtract the raw gradient.) A batch
 * norm's running statistics, which DL4J updates through their own updater, keep being updated in training, as in
 * PyTorch. A bean (no-arg constructor) so the configuration serialises.
 */
public class FrozenUpdater implements IUpdater {
    @Override
    public long stateSize(long numParams) {
        return 0;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new Zero(this);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> state, boolean initialize) {
        return new Zero(this);
    }

    @Override
    public FrozenUpdater clone() {
        return new FrozenUpdater();
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return 0;
    }

    @Override
    public boolean hasLearningRate() {
        return false;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        // a frozen layer has no learning rate
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FrozenUpdater;
    }

    @Override
    public int hashCode() {
        return FrozenUpdater.class.hashCode();
    }

    @Override
    public String toString() {
        return "FrozenUpdater()";
    }

    /** Sets every gradient to zero: the step subtracts nothing. */
    static final class Zero implements GradientUpdater<FrozenUpdater> {
        private final FrozenUpdater config;

        Zero(FrozenUpdater config) {
            this.config = config;
        }

        @Override
        public FrozenUpdater getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of();
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder,
                                      boolean initialize) {
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            gradient.assign(0);
        }
    }
}
