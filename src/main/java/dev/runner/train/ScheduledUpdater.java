package dev.runner.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * What {@link TorchSgd} and {@link TorchAdam} share: a learning rate or a schedule of it, kept as bean properties so
 * DL4J's JSON configuration and {@code ModelSerializer} round-trip them.
 */
abstract class ScheduledUpdater implements IUpdater {
    protected double learningRate = 1e-3;
    protected ISchedule learningRateSchedule;

    ScheduledUpdater() {
    }

    ScheduledUpdater(double learningRate, ISchedule learningRateSchedule) {
        this.learningRate = learningRate;
        this.learningRateSchedule = learningRateSchedule;
    }

    /** A fresh gradient updater for this configuration, without state. */
    abstract GradientUpdater<?> newUpdater();

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        GradientUpdater<?> u = newUpdater();
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    ISchedule scheduleCopy() {
        return learningRateSchedule == null ? null : learningRateSchedule.clone();
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    public double getLearningRate() { return learningRate; }
    public void setLearningRate(double learningRate) { this.learningRate = learningRate; }
    public ISchedule getLearningRateSchedule() { return learningRateSchedule; }
    public void setLearningRateSchedule(ISchedule s) { this.learningRateSchedule = s; }

    @Override
    public abstract ScheduledUpdater clone();
}
