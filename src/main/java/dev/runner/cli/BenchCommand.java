package dev.runner.cli;

import dev.runner.data.DataBench;
import dev.runner.data.LoadedData;
import dev.runner.model.Backend;
import dev.runner.model.Network;
import dev.runner.model.NetworkBench;
import dev.runner.Json;
import dev.runner.spec.Experiment;
import dev.runner.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner bench FILE}: training, evaluation and data throughput of an experiment, as one JSON line. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training, evaluation and data-pipeline throughput; print one JSON line.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The experiment file.")
    Path file;

    @Mixin
    ExperimentOptions experiment = new ExperimentOptions();

    @Mixin
    PlacementOptions placement = new PlacementOptions();

    @Option(names = "--steps", paramLabel = "N", description = "Timed steps per figure (default: ${DEFAULT-VALUE}).")
    int steps = 50;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Untimed steps before each figure (default: ${DEFAULT-VALUE}).")
    int warmup = NetworkBench.DEFAULT_WARMUP;

    @Option(names = "--batch", paramLabel = "N", description = "Training batch size (default: the experiment's).")
    Integer batch;

    @Option(names = "--eval-batch", paramLabel = "N", description = "Evaluation batch size (default: ${DEFAULT-VALUE}).")
    int evalBatch = 256;

    @Option(names = "--no-data", description = "Skip the data-pipeline figure (no dataset needed).")
    boolean noData;

    @Override
    public Integer call() throws Exception {
        if (steps <= 0 || (batch != null && batch <= 0) || evalBatch <= 0) {
            throw new dev.runner.UserError("--steps, --batch and --eval-batch must be positive", 2, null);
        }
        if (warmup < 0) throw new dev.runner.UserError("--warmup must be 0 or more", 2, null);
        placement.startBackend();
        Experiment exp = Pipeline.load(file, placement.sets(experiment.sets));
        int b = batch != null ? batch : exp.data().batchSize();
        Pipeline.checkMemory(exp, Math.max(b, evalBatch));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("experiment", exp.name());
        if (!noData) {
            LoadedData data = Pipeline.data(exp, experiment.dataRoot, System.err);
            line.put("data_images_per_s", Math.round(DataBench.imagesPerSecond(data.train(), exp.data(),
                    Math.max(steps, 200))));
        }
        if (Double.isNaN(exp.optimizer().lr())) {
            throw new dev.runner.UserError("bench needs a numeric learning rate; " + file + " takes it from_range_test "
                    + exp.optimizer().lrFromRangeTest() + ": try --set optimizer." + exp.optimizer().type() + ".lr=0.01",
                    2, null);
        }
        Network net = Pipeline.compile(exp, Trainer.plan(exp, 100));
        NetworkBench.Result r = NetworkBench.measure(net, b, evalBatch, steps, warmup);
        line.putAll(r.toMap());
        if (r.slowKernels() != null && !r.slowKernels().isEmpty()) {
            System.err.println("warning: on this CPU oneDNN has no fast kernel for " + r.slowKernels().size()
                    + " of this network's primitives and runs slow generic code: "
                    + String.join(", ", r.slowKernels()));
        }
        Map<String, Object> backend = Backend.describe();
        line.put("backend", backend);
        System.out.println(Json.ONE_LINE.writeValueAsString(line));
        return 0;
    }
}
