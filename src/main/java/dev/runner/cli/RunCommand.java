package dev.runner.cli;

import dev.runner.AtomicFiles;
import dev.runner.UserError;
import dev.runner.data.LoadedData;
import dev.runner.model.CompileOptions;
import dev.runner.model.Network;
import dev.runner.model.Networks;
import dev.runner.results.charts.RunCharts;
import dev.runner.results.FolderRecorder;
import dev.runner.results.Provenance;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import dev.runner.results.RunLock;
import dev.runner.spec.Experiment;
import dev.runner.spec.SpecWriter;
import dev.runner.train.Checkpoint;
import dev.runner.train.LrRangeTest;
import dev.runner.train.Optimizers;
import dev.runner.train.StopSignal;
import dev.runner.train.Trainer;
import dev.runner.train.TrainingData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner run FILE}: trains an experiment (or runs its LR range test) into a new results folder. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Train an experiment (or run its LR range test) and write a results folder.")
final class RunCommand implements Callable<Integer> {

    /** Options shared by {@code runner FILE} and {@code runner run FILE}. */
    static final class RunOptions {
        @Mixin
        ExperimentOptions experiment = new ExperimentOptions();

        @Option(names = "--results", paramLabel = "DIR", description = "Results root (default: ${DEFAULT-VALUE}).")
        Path results = Path.of("results");

        @Option(names = "--resume", paramLabel = "RUN_FOLDER",
                description = "Continue an interrupted run in its own folder (no FILE needed).")
        Path resume;

        /** A sweep's trial: the run goes to exactly this new folder instead of under --results. */
        @Option(names = "--into", paramLabel = "FOLDER", hidden = true)
        Path into;

        /** A sweep's pruning rung: stop after this epoch with a checkpoint (the run ends interrupted). */
        @Option(names = "--pause-after", paramLabel = "EPOCH", hidden = true)
        int pauseAfter;
        @Mixin
        PlacementOptions placement = new PlacementOptions();

        /** The command line this run is part of, and what its caller attaches (not a flag: set by the command). */
        Invocation invocation = Invocation.of();
    }

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "The experiment file.")
    Path file;

    @Mixin
    RunOptions options = new RunOptions();

    private final Invocation invocation;

    RunCommand(Invocation invocation) {
        this.invocation = invocation;
    }

    @Override
    public Integer call() {
        return run(file, options, invocation);
    }

    /** {@code runner run FILE} (or {@code --resume FOLDER}) with these options, as part of {@code invocation}. */
    static int run(Path file, RunOptions o, Invocation invocation) {
        o.invocation = invocation;
        PrintStream out = System.out;
        o.placement.startBackend(); // first: the device, thread and wait-policy settings must precede the natives
        if (o.resume != null) {
            if (file != null) {
                throw new UserError("--resume takes the run folder only: drop " + file, 2, null);
            }
            if (o.placement.engine != null) {
                throw new UserError("--resume continues on the run's own engine (its experiment.yaml): drop --engine",
                        2, null);
            }
            return resume(o.resume, o, out);
        }
        if (file == null) {
            throw new UserError("no experiment file given (usage: runner run FILE.yaml)", 2, null);
        }
        Experiment exp = Pipeline.load(file, o.placement.sets(o.experiment.sets));
        Pipeline.checkResultsRoot(o.results);
        Pipeline.checkDataRoot(o.experiment.dataRoot);
        Pipeline.checkMemory(exp, exp.data().batchSize());
        LoadedData data = Pipeline.data(exp, o.experiment.dataRoot, out);
        if (exp.lrRangeTest() != null) {
            return rangeTest(exp, data, o, out).exitCode();
        }
        Pipeline.checkVisualize(exp, data);
        Pipeline.checkValidation(exp, data);
        RunReader.FoundLr lrFrom = null;
        if (exp.optimizer().lrFromRangeTest() != null) {
            lrFrom = lrFromRangeTest(file, exp, o, out);
            exp = exp.withLr(lrFrom.lr());
        }
        TrainingData td = Pipeline.trainingData(exp, data, CompileOptions.DEFAULT_LAYOUT);
        Optimizers.Plan plan = Trainer.plan(exp, td.iterationsPerEpoch());
        Network net = Pipeline.compile(exp, plan, o.invocation.cpuIsa());
        Pipeline.initFromData(exp, net, data);
        Map<String, Object> weights = Pipeline.initFrom(exp, net, out);
        FolderRecorder recorder = recorder(exp, net, data, o);
        if (weights != null) {
            recorder.entry("init_from", weights);
        }
        if (lrFrom != null) {
            // recorded when the folder is created: a resume needs it, also after the process was killed
            Map<String, Object> from = new LinkedHashMap<>();
            from.put("experiment", exp.optimizer().lrFromRangeTest());
            from.put("run", lrFrom.folder().toAbsolutePath().toString());
            from.put("suggestion", lrFrom.suggestion());
            from.put("lr", lrFrom.lr());
            recorder.entry("lr_from_range_test", from);
        }
        Trainer.Result r = Trainer.run(exp, net, td, trainingOptions(exp, net, data, recorder, o, out));
        finish(exp, net, data, r.folder(), r.status(), out);
        return r.exitCode();
    }

    /**
     * Where a run of {@code exp} is recorded: a new folder under {@code --results}, or exactly {@link #into}'s
     * folder (a sweep's trial).
     */
    static FolderRecorder recorder(Experiment exp, Network net, LoadedData data, RunOptions o) {
        String yaml = SpecWriter.toYaml(exp.resolved());
        Provenance.Input pin = Pipeline.provenance(exp, data, o.experiment.dataRoot, o.invocation.argv());
        FolderRecorder r = o.into != null ? FolderRecorder.into(o.into, yaml, pin)
                : FolderRecorder.under(o.results, yaml, pin);
        Map<String, Object> precision = new LinkedHashMap<>(net.precision().toMap());
        Map<String, String> layers = net.layerPrecisions(exp.data().batchSize());
        if (!layers.isEmpty()) precision.put("layers", layers);   // at the training batch size
        return r.entry("engine", net.placement().toMap()).entry("precision", precision);
    }

    /** A training run's options: a completed run draws its charts before it says it is completed. */
    private static Trainer.Options trainingOptions(Experiment exp, Network net, LoadedData data,
                                                   FolderRecorder recorder, RunOptions o, PrintStream out) {
        return options(net, exp.data().batchSize(), recorder, o, out)
                .finishing(folder -> draw(exp, net, data, folder, true, out));
    }

    private static Trainer.Options options(Network net, int batch, FolderRecorder recorder, RunOptions o,
                                           PrintStream out) {
        StopSignal stop = StopSignal.installCtrlC(out);
        Trainer.Options opts = new Trainer.Options().recorder(recorder)
                .summaryText(Pipeline.table(net, batch))
                .commandLine(o.invocation.argv())
                .terminal(out)
                .stop(stop);
        if (o.pauseAfter > 0) {
            opts.onEpoch((epoch, metrics) -> {
                if (epoch == o.pauseAfter) {
                    stop.request("paused after epoch " + epoch + " at a pruning rung of the sweep");
                }
            });
        }
        o.invocation.trainer().accept(opts, stop);
        return opts;
    }

    /**
     * A run that ended without completing (stopped or failed) gets the charts of what it did; a completed run drew
     * them before it was marked completed (the trainer's {@code finishing}).
     */
    private static void finish(Experiment exp, Network net, LoadedData data, Path folder, String status,
                               PrintStream out) {
        if (!"completed".equals(status)) {
            draw(exp, net, data, folder, false, out);
            out.println("Results: " + folder);     // a completed run's trainer prints this line
        }
    }

    /** Charts, and for a completed run feature maps; they never turn a finished run into a failure. */
    private static void draw(Experiment exp, Network net, LoadedData data, Path folder, boolean completed,
                             PrintStream out) {
        List<Path> drawn = new ArrayList<>();
        try {
            drawn.addAll(RunCharts.draw(folder));
            if (completed) {
                drawn.addAll(Pipeline.featureMaps(exp, net, data.test(), folder));
            }
        } catch (RuntimeException e) {
            out.println("runner: could not draw the charts: " + e.getMessage());
        }
        if (!drawn.isEmpty()) {
            out.println("Charts: " + String.join(", ", drawn.stream().map(p -> p.getFileName().toString()).toList()));
        }
    }

    private static int resume(Path folder, RunOptions o, PrintStream out) {
        if (!java.nio.file.Files.isDirectory(folder)) {
            throw new UserError("--resume " + folder + ": no such folder", 2, null);
        }
        if (!RunFolder.isRunFolder(folder)) {
            throw new UserError("--resume " + folder + ": not a results folder (no metrics.json)", 2, null);
        }
        boolean extend = !o.experiment.sets.isEmpty();
        for (String set : o.experiment.sets) {
            if (!set.startsWith("epochs=")) {
                throw new UserError("--set " + set + ": with --resume only epochs can be set (--set epochs=N extends a"
                        + " completed run); a resumed run continues exactly the experiment in "
                        + folder.resolve(RunFolder.EXPERIMENT), 2, null);
            }
        }
        RunLock.acquire(folder); // one process per run: a second one stops here, before loading anything
        try {
            String why = Trainer.notResumable(folder);
            if (extend && why == null) {
                throw new UserError("--resume " + folder + " --set epochs: only a completed run is extended; this one"
                        + " has not completed: resume it without --set first", 2, null);
            }
            if (why != null && !extend) {
                throw new UserError("--resume " + folder + ": " + why, 1, null);
            }
            // read as every results file is: inside the folder, not through a link out
            dev.runner.ResultFiles.checked(folder, RunFolder.EXPERIMENT, dev.runner.ResultFiles.SMALL_LIMIT);
            Experiment exp = Pipeline.load(folder.resolve(RunFolder.EXPERIMENT), o.experiment.sets);
            if (extend) {
                String no = dev.runner.train.RunExtension.notExtendable(folder, exp.epochCount());
                if (no != null) {
                    throw new UserError("--resume " + folder + " --set epochs=" + Trainer.epochsText(exp.epochs()) + ": " + no, 2, null);
                }
            }
            // the data the run was started on, unless --data-root says otherwise
            String dataRoot = o.experiment.dataRoot != null ? o.experiment.dataRoot
                    : Provenance.read(folder).path("data_root").asText(null);
            Pipeline.checkDataRoot(dataRoot);
            Pipeline.checkMemory(exp, exp.data().batchSize());
            LoadedData data = Pipeline.data(exp, dataRoot, out);
            if (exp.optimizer().lrFromRangeTest() != null) {
                double lr = Provenance.read(folder).path("lr_from_range_test").path("lr").asDouble(Double.NaN);
                if (Double.isNaN(lr)) {
                    throw new UserError("--resume " + folder + ": provenance.json does not say which learning rate"
                            + " the range test gave");
                }
                exp = exp.withLr(lr);
            }
            TrainingData td = Pipeline.trainingData(exp, data, CompileOptions.DEFAULT_LAYOUT);
            Optimizers.Plan plan = Trainer.plan(exp, td.iterationsPerEpoch());
            if (extend) {
                // the folder now holds the longer run: its experiment.yaml says so before training goes on
                AtomicFiles.writeString(folder.resolve(RunFolder.EXPERIMENT), SpecWriter.toYaml(exp.resolved()));
                Network net = Networks.load(exp.model(), plan.compileOptions(exp).withCpuIsa(o.invocation.cpuIsa()),
                        folder.resolve(RunFolder.MODEL), true);
                Trainer.Result r = dev.runner.train.RunExtension.extend(folder, exp, net, td,
                        trainingOptions(exp, net, data, recorder(exp, net, data, o), o, out));
                finish(exp, net, data, r.folder(), r.status(), out);
                return r.exitCode();
            }
            // without a checkpoint (stopped during the first epoch) the run starts over from a fresh network
            Network net;
            if (Checkpoint.exists(folder)) {
                net = Networks.load(exp.model(), plan.compileOptions(exp).withCpuIsa(o.invocation.cpuIsa()),
                        Checkpoint.modelFile(folder), true);
            } else {
                net = Pipeline.compile(exp, plan, o.invocation.cpuIsa());
                Pipeline.initFromData(exp, net, data);
                Pipeline.initFrom(exp, net, out);    // starting over: from the same weights again
            }
            Trainer.Result r = Trainer.resume(folder, exp, net, td,
                    trainingOptions(exp, net, data, recorder(exp, net, data, o), o, out));
            finish(exp, net, data, r.folder(), r.status(), out);
            return r.exitCode();
        } finally {
            RunLock.release(folder);
        }
    }

    /** Runs the experiment's LR range test into its own results folder and draws its chart. */
    static LrRangeTest.Result rangeTest(Experiment exp, LoadedData data, RunOptions o, PrintStream out) {
        TrainingData td = Pipeline.trainingData(exp, data, CompileOptions.DEFAULT_LAYOUT);
        Optimizers.Plan plan = LrRangeTest.plan(exp);
        Network net = Pipeline.compile(exp, plan, o.invocation.cpuIsa());
        Pipeline.initFromData(exp, net, data);
        LrRangeTest.Result r = LrRangeTest.run(exp, net, td,
                options(net, exp.data().batchSize(), recorder(exp, net, data, o), o, out));
        try {
            for (Path png : RunCharts.draw(r.folder())) {
                out.println("Chart: " + png);
            }
        } catch (RuntimeException e) {
            out.println("runner: could not draw the chart: " + e.getMessage());
        }
        return r;
    }

    /**
     * {@code lr: {from_range_test: NAME}}: the default suggestion of NAME's newest completed range test, running
     * {@code NAME.yaml} (beside the experiment file) first when there is none.
     */
    private static RunReader.FoundLr lrFromRangeTest(Path file, Experiment exp, RunOptions o, PrintStream out) {
        String name = exp.optimizer().lrFromRangeTest();
        var found = RunReader.newestRangeTest(o.results, name);
        if (found.isPresent()) {
            out.printf(Locale.ROOT, "Learning rate %.4g from range test %s (%s)%n", found.get().lr(),
                    found.get().folder(), found.get().suggestion());
            return found.get();
        }
        Path other = (file.toAbsolutePath().getParent()).resolve(name + ".yaml");
        if (!Files.isRegularFile(other)) {
            throw new UserError("optimizer lr: from_range_test: " + name + ": no completed range test under "
                    + o.results.resolve(name) + " and no " + other + " to run one");
        }
        out.println("No completed range test of " + name + " yet: running " + other + " first");
        Experiment test = Pipeline.load(other, List.of());
        if (test.lrRangeTest() == null) {
            throw new UserError(other + ": has no lr_range_test section, so it cannot give a learning rate");
        }
        LoadedData data = Pipeline.data(test, o.experiment.dataRoot, out);
        LrRangeTest.Result r = rangeTest(test, data, o, out);
        if (r.exitCode() != 0) {
            throw new UserError("the range test " + r.folder() + " did not complete (" + r.status() + ")");
        }
        return RunReader.newestRangeTest(o.results, name).orElseThrow(() -> new UserError(
                "the range test " + r.folder() + " gave no suggestion"));
    }
}
