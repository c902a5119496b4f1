package dev.runner.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.schedule.ISchedule;
import dev.runner.AtomicFiles;
import dev.runner.UserError;
import dev.runner.model.Network;
import dev.runner.spec.EvaluateSpec;
import dev.runner.spec.Experiment;

/**
 * Trains a compiled network and records the run through a {@link RunRecorder}. The CLI's {@code runner run}:
 * <pre>
 *   int ipe = data.iterationsPerEpoch();
 *   Optimizers.Plan plan = Trainer.plan(exp, ipe);
 *   Network net = compile(exp.model(), new CompileOptions(exp.seed(), plan.updater(), plan.coupledWeightDecay(), layout));
 *   Trainer.Result r = Trainer.run(exp, net, data, new Trainer.Options().recorder(resultsFolders)
 *           .summaryText(checkTable).stop(StopSignal.installCtrlC(System.out)));
 *   exit with r.exitCode()
 * </pre>
 * and {@code runner run --resume FOLDER}: parse {@code FOLDER/experiment.yaml}, build the data, restore
 * {@link Checkpoint#restoreGraph(Path)}, wrap it as a Network (re-adding the compiler's listeners), then
 * {@link #resume}.
 *
 * <p>Determinism: ND4J's random generator is reseeded from (seed, iteration) before every step (dropout), the data
 * is a function of (seed, epoch), so a run and a resumed run produce the same numbers.
 */
public final class Trainer {
    private Trainer() {
    }

    /** Called after each epoch's metrics are written (tests use it to request a stop). */
    public interface EpochListener {
        void epochDone(int epoch, Metrics metrics);
    }

    /** Everything but the experiment, the network and the data; every setting has a default. */
    public static final class Options {
        RunRecorder recorder;
        String summaryText = "";
        StopSignal stop = new StopSignal();
        PrintStream terminal = System.out;
        Boolean interactive;
        EpochListener onEpoch;
        java.util.function.Consumer<Path> finishing;
        List<String> commandLine = List.of();
        AtomicFiles.WriteHook writeHook = AtomicFiles.WriteHook.NONE;

        /** Where the run is recorded (required): the results stage's folders, or a test's own. */
        public Options recorder(RunRecorder r) { recorder = r; return this; }
        /** The network table, written as the summary, printed and logged before training. */
        public Options summaryText(String s) { summaryText = s; return this; }
        /** For a resume: the command line recorded with it. */
        public Options commandLine(List<String> c) { commandLine = c; return this; }
        public Options stop(StopSignal s) { stop = s; return this; }
        public Options terminal(PrintStream p) { terminal = p; return this; }
        /** Progress bars (true) or one line per epoch (false); default: {@code System.console() != null}. */
        public Options interactive(boolean b) { interactive = b; return this; }
        public Options onEpoch(EpochListener l) { onEpoch = l; return this; }
        /** Sees the run's writes (metrics, checkpoints, the model) first: tests fake a full disk with it. */
        public Options writeHook(AtomicFiles.WriteHook h) { writeHook = h; return this; }
        /**
         * What a completed run adds to its folder (the caller's charts), called with the folder once the final
         * metrics and the model are written and before the run is marked completed: a run that says completed has
         * them, and a kill while they are made leaves a run that {@code --resume} finishes.
         */
        public Options finishing(java.util.function.Consumer<Path> f) { finishing = f; return this; }

        RunRecorder recorder() {
            if (recorder == null) {
                throw new IllegalStateException("Trainer.Options needs a recorder (where the run is recorded)");
            }
            return recorder;
        }
    }

    /** How a run ended. */
    public record Result(Path folder, String status, String error, Metrics metrics) {
        /** 0 completed, 1 failed, 130 interrupted (see docs/cli.md). */
        public int exitCode() {
            return switch (status) {
                case Metrics.COMPLETED -> 0;
                case Metrics.INTERRUPTED -> 130;
                default -> 1;
            };
        }
    }

    /** The best epoch's model ({@code checkpoint.best}), beside the last one's {@code model.zip}. */
    public static final String BEST_MODEL = "best_model.zip";

    /** The learning-rate schedule of {@code exp} with {@code itersPerEpoch} steps per epoch. */
    public static ISchedule schedule(Experiment exp, int itersPerEpoch) {
        return Schedules.of(exp.schedule(), exp.optimizer().lr(), itersPerEpoch, exp.epochs());
    }

    /** The optimizer of {@code exp}: its updater and coupled weight decay go to the compiler's CompileOptions. */
    public static Optimizers.Plan plan(Experiment exp, int itersPerEpoch) {
        return Optimizers.plan(exp.optimizer(), schedule(exp, itersPerEpoch));
    }

    /**
     * A new run of {@code exp} with what every run writes first (the recorder's files and the summary), its folder
     * locked (the recorder's lock): the caller closes the run when it ends. Used by training runs and range tests
     * alike.
     */
    static RunRecorder.Run newRun(Experiment exp, Options o) {
        RunRecorder.Run run = o.recorder().start(exp);
        run.summary(o.summaryText);     // a run whose first files do not fit leaves no folder (the recorder's)
        return run;
    }

    /** Trains {@code net} (freshly compiled with {@link #plan}'s updater) in a new run. */
    public static Result run(Experiment exp, Network net, TrainingData data, Options o) {
        try (RunRecorder.Run run = newRun(exp, o)) {
            Path folder = run.folder();
            Metrics metrics = new Metrics(exp.name(), exp.epochCount(), data.iterationsPerEpoch(), data.classes());
            run.begin(() -> metrics.write(folder, o.writeHook),
                    Metrics.sizeBound(exp.epochCount(), data.iterationsPerEpoch(), data.classes().size()));
            try (RunRecorder.Log log = run.log(o.terminal)) {
                if (!o.summaryText.isBlank()) {
                    log.println(o.summaryText.stripTrailing());
                }
                log.println(String.format(Locale.ROOT, "Training %s: %s epochs x %d iterations, seed %d -> %s",
                        exp.name(), epochsText(exp.epochs()), data.iterationsPerEpoch(), exp.seed(), folder));
                Checkpoint.State state = new Checkpoint.State(0, 0, net.graph().getIterationCount(), exp.seed(), 0);
                return new Loop(exp, net, data, o, run, log, metrics).run(state);
            }
        }
    }

    /**
     * Why {@code folder} cannot be resumed, or null when it can: any run but a completed one (interrupted, crashed,
     * or failed, e.g. by a full disk) continues from its checkpoint, or from the start without one.
     */
    public static String notResumable(Path folder) {
        if (!dev.runner.ResultFiles.exists(folder, Metrics.FILE)) {
            return "not a results folder (no metrics.json)";
        }
        Metrics top = Metrics.read(folder, Metrics.FILE);
        if (Metrics.COMPLETED.equals(top.status)) {
            return "the run is already completed (--set epochs=N trains it further)";
        }
        return null;
    }

    /**
     * Continues the interrupted, crashed or failed run in {@code folder}, holding its lock (the recorder's). {@code net}
     * is the checkpoint's graph ({@link Checkpoint#restoreGraph}) wrapped as a Network, or, when the run stopped
     * before its first checkpoint, the network freshly compiled: the run then starts over in its folder.
     * {@code exp} is the folder's experiment.yaml parsed.
     */
    public static Result resume(Path folder, Experiment exp, Network net, TrainingData data, Options o) {
        try (RunRecorder.Run run = o.recorder().reopen(folder)) {
            return resumeLocked(run, exp, net, data, o);
        }
    }

    private static Result resumeLocked(RunRecorder.Run run, Experiment exp, Network net, TrainingData data,
                                       Options o) {
        Path folder = run.folder();
        String why = notResumable(folder);
        if (why != null) {
            throw new UserError("--resume " + folder + ": " + why);
        }
        run.removeTemporaries();
        boolean fromCheckpoint = Checkpoint.exists(folder);
        Checkpoint.State state = fromCheckpoint ? Checkpoint.readState(folder)
                : new Checkpoint.State(0, 0, 0, exp.seed(), 0);
        Metrics metrics = fromCheckpoint ? Checkpoint.readMetrics(folder)
                : new Metrics(exp.name(), exp.epochCount(), data.iterationsPerEpoch(), data.classes());
        Checkpoint.checkState(folder, state, exp.epochCount(), data.iterationsPerEpoch());
        if (state.iteration() != net.graph().getIterationCount()) {
            throw new UserError("--resume " + folder + ": the network is at iteration "
                    + net.graph().getIterationCount() + " but the checkpoint at " + state.iteration()
                    + " (restore the network from " + Checkpoint.modelFile(folder) + ")");
        }
        if (state.seed() != exp.seed() || metrics.iterationsPerEpoch != data.iterationsPerEpoch()) {
            throw new UserError("--resume " + folder + ": the experiment or data differ from the checkpoint's (seed "
                    + state.seed() + ", " + metrics.iterationsPerEpoch + " iterations per epoch)");
        }
        run.reserve(Metrics.sizeBound(exp.epochCount(), data.iterationsPerEpoch(), data.classes().size()));
        metrics.status = Metrics.RUNNING;
        metrics.error = null;
        metrics.epochsPlanned = exp.epochCount();
        metrics.write(folder, o.writeHook);
        run.resumed(o.commandLine);
        try (RunRecorder.Log log = run.log(o.terminal)) {
            log.println(fromCheckpoint ? String.format(Locale.ROOT, "Resuming %s at epoch %d, iteration %d -> %s",
                    exp.name(), state.epoch() + 1, state.iteration(), folder)
                    : "Restarting " + exp.name() + " from the beginning (it stopped before its first checkpoint) -> "
                    + folder);
            return new Loop(exp, net, data, o, run, log, metrics).run(state);
        }
    }

    /** Runs the loop of a run from {@code state} (for {@link RunExtension}). */
    static Result loop(Experiment exp, Network net, TrainingData data, Options o, RunRecorder.Run run,
                       RunRecorder.Log log, Metrics metrics, Checkpoint.State state) {
        return new Loop(exp, net, data, o, run, log, metrics).run(state);
    }

    /** The one line a run that stops on an exception or a JVM error records as its error. */
    static String failure(Throwable e) {
        if (e instanceof Error err) {
            return dev.runner.JvmError.describe(err);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return "error: " + msg.lines().findFirst().orElse(msg);
    }

    static void closeQuietly(Object o) {
        if (o instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing useful to do
            }
        }
    }

    /** One run's loop and state. */
    private static final class Loop {
        final Experiment exp;
        final Network net;
        final ComputationGraph graph;
        final TrainingData data;
        final Options o;
        final RunRecorder.Run run;
        final Path folder;
        final RunRecorder.Log log;
        final Metrics metrics;
        final ISchedule schedule;
        final boolean interactive;
        final int numClasses;
        /** The k of each top-k accuracy ({@code evaluate.top_k}). */
        final int[] ks;
        Evaluation lastTest;
        Evaluation lastTrain;

        Loop(Experiment exp, Network net, TrainingData data, Options o, RunRecorder.Run run, RunRecorder.Log log,
             Metrics metrics) {
            this.exp = exp;
            this.net = net;
            this.graph = net.graph();
            this.data = data;
            this.o = o;
            this.run = run;
            this.folder = run.folder();
            this.log = log;
            this.metrics = metrics;
            this.schedule = schedule(exp, data.iterationsPerEpoch());
            this.interactive = TrainingLoop.interactive(o.interactive);
            this.numClasses = data.classes().size();
            this.ks = exp.evaluate() == null ? new int[0]
                    : exp.evaluate().topK().stream().mapToInt(Integer::intValue).toArray();
        }

        /** The epoch's top-k accuracies by metric name: test, train, then validation, each k increasing. */
        Map<String, Double> topK(Evaluation val, Evaluation test, Evaluation train) {
            Map<String, Double> out = new LinkedHashMap<>();
            for (int i = 0; i < ks.length; i++) {
                if (test != null) out.put(EvaluateSpec.topKMetric("test", ks[i]), test.topKAccuracy(i));
            }
            for (int i = 0; i < ks.length; i++) {
                if (train != null) out.put(EvaluateSpec.topKMetric("train", ks[i]), train.topKAccuracy(i));
            }
            for (int i = 0; i < ks.length; i++) {
                if (val != null) out.put(EvaluateSpec.topKMetric("val", ks[i]), val.topKAccuracy(i));
            }
            return out;
        }

        Result run(Checkpoint.State state) {
            TrainingLoop loop = new TrainingLoop(net, data, Optimizers.plan(exp.optimizer(), schedule), schedule);
            o.stop.begin();
            try {
                Epochs epochs = new Epochs(loop, state);
                loop.run(state.epoch(), state.batchesDone(), epochs);
                return epochs.result != null ? epochs.result : complete();
            } catch (RuntimeException | Error e) {
                recordFailure(failure(e));
                throw e;
            } finally {
                o.stop.finished();
            }
        }

        /** The training run's hook on the loop: metrics, evaluation, checkpoints and stops. */
        private final class Epochs implements TrainingLoop.Hook {
            final TrainingLoop loop;
            final Checkpoint.State state;
            final int epochs = exp.epochCount();
            final int ipe = data.iterationsPerEpoch();
            final long steps = exp.steps(ipe);
            Result result;
            int done;
            double carried;
            int epochStart;
            long t0;
            long images;
            ProgressBar bar;

            Epochs(TrainingLoop loop, Checkpoint.State state) {
                this.loop = loop;
                this.state = state;
            }

            @Override
            public boolean startEpoch(int e) {
                if (e >= epochs) {
                    return false;
                }
                boolean resumed = e == state.epoch();
                done = resumed ? state.batchesDone() : 0;
                carried = resumed ? state.epochSeconds() : 0;
                epochStart = metrics.iterationLoss.size() - done;
                t0 = System.nanoTime();
                images = 0;
                // a run stopped during evaluation has trained the whole epoch: no batches to replay, no bar
                bar = interactive && !(done > 0 && done >= ipe)
                        ? TrainingLoop.bar(String.format(Locale.ROOT, "epoch %d/%d", e + 1, epochs),
                        (int) Math.min(ipe, steps - (long) e * ipe), done,
                        o.terminal) : null;
                return true;
            }

            @Override
            public boolean moreBatches() {
                return graph.getIterationCount() < steps;   // a fractional last epoch ends early
            }

            @Override
            public boolean afterStep(TrainingLoop.Step s) {
                done++;
                if (!Double.isFinite(s.loss())) {
                    String why = String.format(Locale.ROOT, "loss is %s at epoch %d, iteration %d (lr %s):"
                            + " training diverged; try a lower learning rate", s.loss(), s.epoch() + 1,
                            s.iteration() + 1, s.lr());
                    closeBar();
                    log.println("FAILED: " + why);
                    result = end(Metrics.FAILED, why);
                    return false;
                }
                metrics.iterationLoss.add(s.loss());
                metrics.iterationLr.add(s.lr());
                images += s.examples();
                if (bar != null) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f lr %s %.0f img/s", s.loss(),
                            shortNumber(s.lr()), secs > 0 ? images / secs : 0));
                }
                if (o.stop.requested()) {
                    closeBar();
                    result = interrupt(inEpoch(s.epoch()));
                    return false;
                }
                return true;
            }

            @Override
            public void batchesEnded(int epoch) {
                closeBar();
            }

            private void closeBar() {
                if (bar != null) {
                    bar.close();
                    bar = null;
                }
            }

            private Checkpoint.State inEpoch(int e) {
                return new Checkpoint.State(e, done, graph.getIterationCount(), exp.seed(),
                        carried + (System.nanoTime() - t0) / 1e9);
            }

            @Override
            public boolean afterEpoch(int e) {
                double trainSeconds = (System.nanoTime() - t0) / 1e9;
                Evaluation val = null;
                DataSetIterator valBatches = data.val();
                if (valBatches != null) {
                    val = Evaluation.of(net, valBatches, numClasses, ks, o.stop::requested);
                    if (val == null) {
                        result = interrupt(inEpoch(e));
                        return false;
                    }
                }
                if (exp.evaluate() == null || exp.evaluate().test()) {
                    lastTest = Evaluation.of(net, data.test(), numClasses, ks, o.stop::requested);
                    if (lastTest == null) {
                        result = interrupt(inEpoch(e));
                        return false;
                    }
                }
                if (exp.evaluate() != null && exp.evaluate().train()) {
                    lastTrain = Evaluation.of(net, data.trainEval(), numClasses, ks, o.stop::requested);
                    if (lastTrain == null) {
                        result = interrupt(inEpoch(e));
                        return false;
                    }
                }
                graph.incrementEpochCount();
                double seconds = carried + (System.nanoTime() - t0) / 1e9;
                List<Double> losses = metrics.iterationLoss.subList(epochStart, metrics.iterationLoss.size());
                double sum = 0;
                for (double l : losses) {
                    sum += l;
                }
                double trainLoss = losses.isEmpty() ? Double.NaN : sum / losses.size();
                double lr = epochStart < metrics.iterationLr.size() ? metrics.iterationLr.get(epochStart)
                        : loop.lrAt(graph.getIterationCount(), e);
                Metrics.Epoch em = new Metrics.Epoch(e + 1, trainLoss,
                        lastTest == null ? null : lastTest.loss(), lastTest == null ? null : lastTest.accuracy(),
                        lastTrain == null ? null : lastTrain.accuracy(), val == null ? null : val.loss(),
                        val == null ? null : val.accuracy(), lr, seconds, topK(val, lastTest, lastTrain));
                metrics.epochs.add(em);
                if (EpochSelection.newBest(exp.checkpoint(), metrics)) {
                    ModelFile.write(graph, run.modelFile().resolveSibling(BEST_MODEL), o.writeHook);
                }
                metrics.stopReason = EpochSelection.stopReason(exp.earlyStopping(), metrics);
                metrics.write(folder, o.writeHook);
                log.println(epochLine(em, epochs, images, trainSeconds));
                if (o.onEpoch != null) {
                    o.onEpoch.epochDone(e + 1, metrics);
                }
                if (metrics.stopReason != null) {
                    log.println("Stopped: " + metrics.stopReason);
                    return false;
                }
                boolean last = e + 1 == epochs;
                if (!last) {
                    Checkpoint.State next = new Checkpoint.State(e + 1, 0, graph.getIterationCount(), exp.seed(), 0);
                    if (o.stop.requested()) {
                        result = interrupt(next);
                        return false;
                    }
                    int every = exp.checkpoint() == null ? 1 : exp.checkpoint().every();
                    if (every > 0 && (e + 1) % every == 0) {
                        Checkpoint.save(folder, graph, next, metrics, o.writeHook);
                    }
                }
                return true;
            }
        }

        private String epochLine(Metrics.Epoch em, int epochs, long images, double trainSeconds) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train_loss %.4f",
                    em.epoch(), epochs, em.trainLoss()));
            if (em.testLoss() != null) {
                sb.append(String.format(Locale.ROOT, "  test_loss %.4f  test_acc %.2f %%", em.testLoss(),
                        100 * em.testAccuracy()));
            }
            if (em.trainAccuracy() != null) {
                sb.append(String.format(Locale.ROOT, "  train_acc %.2f %%", 100 * em.trainAccuracy()));
            }
            if (em.valAccuracy() != null) {
                sb.append(String.format(Locale.ROOT, "  val_loss %.4f  val_acc %.2f %%", em.valLoss(),
                        100 * em.valAccuracy()));
            }
            for (Map.Entry<String, Double> t : em.topK().entrySet()) {    // test_top5_accuracy -> test_top5
                sb.append(String.format(Locale.ROOT, "  %s %.2f %%", t.getKey().replace("_accuracy", ""),
                        100 * t.getValue()));
            }
            sb.append(String.format(Locale.ROOT, "  lr %.4g  %.1f s", em.lr(), em.seconds()));
            if (trainSeconds > 0 && images > 0) {
                sb.append(String.format(Locale.ROOT, "  (%.0f img/s)", images / trainSeconds));
            }
            return sb.toString();
        }

        private Result interrupt(Checkpoint.State state) {
            Checkpoint.save(folder, graph, state, metrics, o.writeHook);
            String why = (o.stop.reason() == null ? "interrupted" : o.stop.reason())
                    + String.format(Locale.ROOT, " at epoch %d, iteration %d; checkpoint saved, continue with"
                    + " runner run --resume %s", state.epoch() + 1, state.iteration(), folder);
            log.println("Interrupted: " + why);
            return end(Metrics.INTERRUPTED, why);
        }

        private Result complete() {
            List<String> lines = new ArrayList<>();
            if (lastTest != null) {
                lines.addAll(AccuracyLines.summaryLines(data.classes(), lastTest.confusion()));
            }
            if (lastTrain != null) {
                lines.addAll(AccuracyLines.accuracyLines(Math.toIntExact(lastTrain.total()), "train",
                        AccuracyLines.fraction(lastTrain.correct(), lastTrain.total()), data.classes(), null));
            }
            lines.forEach(log::println);
            String base = (o.summaryText.isBlank() ? run.summary() : o.summaryText).stripTrailing();
            run.summary((base.isEmpty() ? "" : base + "\n\n") + String.join("\n", lines) + "\n");
            metrics.fin = new Metrics.Final(
                    lastTest == null ? null : lastTest.accuracy(),
                    lastTrain == null ? null : lastTrain.accuracy(),
                    lastTest == null ? null : lastTest.perClass(data.classes()),
                    lastTrain == null ? null : lastTrain.perClass(data.classes()),
                    lastTest == null ? null : lastTest.confusion());
            ModelFile.write(graph, run.modelFile(), o.writeHook);
            if (o.finishing != null) {
                metrics.write(folder, o.writeHook);   // still running, with the final figures the charts show
                o.finishing.accept(folder);
            }
            Result r = end(Metrics.COMPLETED, null);
            Checkpoint.delete(folder);
            log.println("Results: " + folder);
            return r;
        }

        /**
         * Records a failure as far as the disk lets it: the reason into log.txt, then metrics.json marked failed.
         * When metrics.json cannot be rewritten (a full disk) the last good one stays and the terminal says where to
         * look; the run then shows as {@code crashed}, with log.txt's reason.
         */
        private void recordFailure(String why) {
            try {
                log.println("FAILED: " + why);
            } catch (RuntimeException e) {
                // the terminal still gets the caller's one line
            }
            try {
                end(Metrics.FAILED, why);
            } catch (RuntimeException e) {
                o.terminal.println("runner: could not mark " + folder + " failed (" + e.getMessage() + "); its "
                        + Metrics.FILE + " keeps the last completed epoch");
            }
        }

        private Result end(String status, String error) {
            run.releaseReserve();
            metrics.status = status;
            metrics.error = error;
            metrics.write(folder, o.writeHook);
            List<String> slow = net.slowKernels(); // what ran oneDNN's slow generic code (not for a failed run)
            if (slow != null && !Metrics.FAILED.equals(status)) run.provenance("slow_kernels", slow);
            run.ended(Metrics.FAILED.equals(status));
            return new Result(folder, status, error, metrics);
        }
    }

    /** An epoch count as written: {@code 3}, {@code 9.9}. */
    public static String epochsText(double epochs) {
        return epochs == Math.rint(epochs) ? Long.toString((long) epochs)
                : new java.math.BigDecimal(Double.toString(epochs)).stripTrailingZeros().toPlainString();
    }

    /** A learning rate in as few characters as it takes (0.001, 0.00497, 1.2e-07), for the progress bar. */
    static String shortNumber(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return String.valueOf(v);
        }
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros();
        return Math.abs(v) < 1e-4 ? String.format(Locale.ROOT, "%.2g", v) : d.toPlainString();
    }
}
