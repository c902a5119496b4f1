package dev.runner.train;

import java.util.List;
import java.util.Locale;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import dev.runner.spec.OptimizerSpec;

/**
 * The {@code optimizer:} section as DL4J pieces with PyTorch's semantics.
 *
 * <ul>
 *   <li>{@code sgd}: {@link TorchSgd}; weight decay is torch's coupled one ({@code wd*p} added to the gradient of
 *       every parameter): the compiler applies {@link Plan#coupledWeightDecay()} (l2 + l2Bias + batch-norm).</li>
 *   <li>{@code adam}: {@link TorchAdam}, weight decay coupled as above (torch's {@code Adam(weight_decay=...)}).</li>
 *   <li>{@code adamw}: {@link TorchAdam} + {@link DecoupledWeightDecay} ({@code p *= 1 - lr*wd} before the step);
 *       no coupled decay.</li>
 * </ul>
 */
public final class Optimizers {
    private Optimizers() {
    }

    /**
     * What the compiler and the trainer need for one optimizer.
     *
     * @param updater              the IUpdater for every trainable parameter (pass to {@code CompileOptions})
     * @param coupledWeightDecay   torch's coupled weight decay (pass to {@code CompileOptions.weightDecay}); 0 for adamw
     * @param decoupledWeightDecay AdamW's decoupled decay; the trainer adds {@link #listeners()} to the network
     */
    public record Plan(IUpdater updater, double coupledWeightDecay, double decoupledWeightDecay) {
        /** Training listeners this optimizer needs on the network (not serialised: add them after a restore too). */
        public List<TrainingListener> listeners() {
            return decoupledWeightDecay == 0 ? List.of() : List.of(new DecoupledWeightDecay(decoupledWeightDecay));
        }

        /**
         * How every network of a run of {@code exp} is compiled (and a checkpoint or saved model restored): this
         * plan's updater and weight decay, the experiment's seed, engine and precision.
         */
        public dev.runner.model.CompileOptions compileOptions(dev.runner.spec.Experiment exp) {
            return new dev.runner.model.CompileOptions(exp.seed(), updater, coupledWeightDecay,
                    dev.runner.model.CompileOptions.DEFAULT_LAYOUT, exp.engine(), exp.precision());
        }
    }

    /** The plan for {@code spec} with its learning rate given by {@code schedule} (see {@link Schedules#of}). */
    public static Plan plan(OptimizerSpec spec, ISchedule schedule) {
        if (Double.isNaN(spec.lr())) {
            throw new IllegalArgumentException("optimizer lr is unresolved (from_range_test: "
                    + spec.lrFromRangeTest() + "): resolve it before building the optimizer");
        }
        String type = spec.type().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "sgd" -> new Plan(new TorchSgd(spec.lr(), schedule, spec.momentum(), spec.dampening(),
                    spec.nesterov()), spec.weightDecay(), 0);
            case "adam" -> new Plan(new TorchAdam(spec.lr(), schedule, spec.beta1(), spec.beta2(), spec.eps()),
                    spec.weightDecay(), 0);
            case "adamw" -> new Plan(new TorchAdam(spec.lr(), schedule, spec.beta1(), spec.beta2(), spec.eps()),
                    0, spec.weightDecay());
            default -> throw new IllegalArgumentException("unknown optimizer '" + spec.type()
                    + "' (expected sgd, adam or adamw)");
        };
    }

    /** Just the IUpdater of {@link #plan}. */
    public static IUpdater updater(OptimizerSpec spec, ISchedule schedule) {
        return plan(spec, schedule).updater();
    }
}
