package dev.runner.spec;

import java.nio.file.Path;
import java.util.Map;

/**
 * A fully parsed, merged and validated experiment. Every field has its default filled in.
 *
 * @param name        results go to {@code results/<name>/<run-id>}; default: the file's stem
 * @param file        the experiment file it came from (null when built in code)
 * @param resolved    the resolved experiment as plain maps/lists/scalars (extends merged, overrides applied,
 *                    defaults filled in), in canonical key order: what {@code experiment.yaml} contains
 * @param lrRangeTest null unless the experiment is an LR range test
 * @param earlyStopping null unless the run stops once a metric stops improving
 * @param initFrom    null unless the run starts from another run's weights
 * @param engine      {@code auto}, {@code onednn} or {@code dl4j}: the engine asked for (the model stage decides)
 * @param precision   {@code fp32}, {@code bf16} or {@code auto}: the precision asked for (the model stage decides)
 * @param epochs      passes over the training set, possibly fractional: the run makes {@link #steps} steps in
 *                    {@link #epochCount} epochs, the last one cut short
 */
public record Experiment(
        String name,
        String description,
        long seed,
        DataSpec data,
        ModelSpec model,
        OptimizerSpec optimizer,
        ScheduleSpec schedule,
        double epochs,
        LrRangeTestSpec lrRangeTest,
        EvaluateSpec evaluate,
        VisualizeSpec visualize,
        CheckpointSpec checkpoint,
        EarlyStoppingSpec earlyStopping,
        InitFromSpec initFrom,
        Path file,
        Map<String, Object> resolved,
        String engine,
        String precision) {

    /** The epochs the run has: {@code ceil(epochs)}. */
    public int epochCount() {
        return (int) Math.ceil(epochs - 1e-9);
    }

    /** Optimizer steps in all with {@code batchesPerEpoch} batches per epoch: {@code ceil(epochs x batchesPerEpoch)}. */
    public long steps(int batchesPerEpoch) {
        return (long) Math.ceil(epochs * batchesPerEpoch - 1e-9);
    }

    /** The same experiment with learning rate {@code lr} (an {@code lr: {from_range_test}} resolved). */
    public Experiment withLr(double lr) {
        return new Experiment(name, description, seed, data, model, optimizer.withLr(lr), schedule, epochs, lrRangeTest,
                evaluate, visualize, checkpoint, earlyStopping, initFrom, file, resolved, engine, precision);
    }
}
