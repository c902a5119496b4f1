package dev.runner.train;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * {@code torch.optim.SGD} without weight decay (that is added to the gradient before the updater, see
 * {@link Optimizers}): classical (heavy-ball) momentum {@code v = mu*v + (1-dampening)*g}, with {@code v = g} on
 * the very first step as torch initialises its momentum buffer; step {@code lr*v}, or {@code lr*(g + mu*v)} with
 * {@code nesterov}. With {@code momentum == 0} it is plain SGD ({@code lr*g}) and keeps no state.
 *
 * <p>The first step is recognised by DL4J's iteration count being 0 (as DL4J's own Adam relies on the iteration
 * count for its bias correction); a restored network keeps its count, so a resumed run continues exactly.
 *
 * <p>A bean with a public no-arg constructor so DL4J's JSON configuration and {@code ModelSerializer} round-trip it.
 */
public class TorchSgd extends ScheduledUpdater {
    private double momentum;
    private double dampening;
    private boolean nesterov;

    public TorchSgd() {
    }

    public TorchSgd(double learningRate, ISchedule learningRateSchedule, double momentum, double dampening,
                    boolean nesterov) {
        super(learningRate, learningRateSchedule);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    @Override
    public long stateSize(long numParams) {
        return momentum == 0 ? 0 : numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        TorchSgdUpdater u = new TorchSgdUpdater(this);
        if (momentum != 0) {
            if (viewArray == null) {
                throw new IllegalStateException("TorchSgd with momentum needs a state view array");
            }
            u.setStateViewArray(viewArray, new long[] {viewArray.length()}, viewArray.ordering(), initializeViewArray);
        }
        return u;
    }

    @Override
    GradientUpdater<?> newUpdater() {
        return new TorchSgdUpdater(this);
    }

    @Override
    public TorchSgd clone() {
        return new TorchSgd(learningRate, scheduleCopy(),
                momentum, dampening, nesterov);
    }

    public double getMomentum() { return momentum; }
    public void setMomentum(double momentum) { this.momentum = momentum; }
    public double getDampening() { return dampening; }
    public void setDampening(double dampening) { this.dampening = dampening; }
    public boolean isNesterov() { return nesterov; }
    public void setNesterov(boolean nesterov) { this.nesterov = nesterov; }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchSgd t && t.learningRate == learningRate && t.momentum == momentum
                && t.dampening == dampening && t.nesterov == nesterov
                && Objects.equals(t.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum, dampening, nesterov);
    }

    @Override
    public String toString() {
        return "TorchSgd(lr=" + learningRate + ", schedule=" + learningRateSchedule + ", momentum=" + momentum
                + ", dampening=" + dampening + ", nesterov=" + nesterov + ")";
    }
}
