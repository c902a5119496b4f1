package dev.runner.train;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * {@code torch.optim.Adam}'s step (without weight decay: coupled decay is added to the gradient before the updater,
 * AdamW's decoupled decay is {@link DecoupledWeightDecay}): {@code m = b1*m + (1-b1)*g},
 * {@code v = b2*v + (1-b2)*g^2}, step {@code lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)} with {@code t} the
 * 1-based step (DL4J's iteration count + 1). DL4J's own {@code Adam} puts {@code eps} inside the bias correction
 * ({@code sqrt(v) + eps} scaled by {@code sqrt(1-b2^t)}), which differs from torch when gradients are small.
 */
public class TorchAdam extends ScheduledUpdater {
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double epsilon = 1e-8;

    public TorchAdam() {
    }

    public TorchAdam(double learningRate, ISchedule learningRateSchedule, double beta1, double beta2,
                     double epsilon) {
        super(learningRate, learningRateSchedule);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public long stateSize(long numParams) {
        return 2 * numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        TorchAdamUpdater u = new TorchAdamUpdater(this);
        u.setStateViewArray(viewArray, new long[] {viewArray.length() / 2}, viewArray.ordering(),
                initializeViewArray);
        return u;
    }

    @Override
    GradientUpdater<?> newUpdater() {
        return new TorchAdamUpdater(this);
    }

    @Override
    public TorchAdam clone() {
        return new TorchAdam(learningRate, scheduleCopy(),
                beta1, beta2, epsilon);
    }

    public double getBeta1() { return beta1; }
    public void setBeta1(double beta1) { this.beta1 = beta1; }
    public double getBeta2() { return beta2; }
    public void setBeta2(double beta2) { this.beta2 = beta2; }
    public double getEpsilon() { return epsilon; }
    public void setEpsilon(double epsilon) { this.epsilon = epsilon; }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchAdam t && t.learningRate == learningRate && t.beta1 == beta1 && t.beta2 == beta2
                && t.epsilon == epsilon && Objects.equals(t.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, epsilon);
    }

    @Override
    public String toString() {
        return "TorchAdam(lr=" + learningRate + ", schedule=" + learningRateSchedule + ", betas=(" + beta1 + ", "
                + beta2 + "), eps=" + epsilon + ")";
    }
}
