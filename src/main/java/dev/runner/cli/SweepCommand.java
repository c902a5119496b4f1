package dev.runner.cli;

import dev.runner.AtomicFiles;
import dev.runner.UserError;
import dev.runner.results.Charts;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import dev.runner.results.RunTable;
import dev.runner.results.SweepFolder;
import dev.runner.spec.SpecWriter;
import dev.runner.spec.SweepLoader;
import dev.runner.spec.SweepSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runner sweep FILE}: expands the experiment's sweep (and {@code --grid} flags) into trials, validates them
 * all, then runs each as an ordinary run in the sweep's folder, on local workers or Spark; {@code --resume} continues
 * a sweep. See docs/cli.md.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run every trial of an experiment's sweep (or --grid) as its own run, then tabulate them.")
final class SweepCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "The experiment file (with a sweep section, or --grid).")
    Path file;

    @Mixin
    ExperimentOptions experiment = new ExperimentOptions();

    @Option(names = "--grid", paramLabel = "KEY=A,B,C",
            description = "Sweep KEY over these values (repeatable; adds to the file's grid).")
    List<String> grid = new ArrayList<>();

    @Option(names = "--results", paramLabel = "DIR", description = "Results root (default: ${DEFAULT-VALUE}).")
    Path results = Path.of("results");

    @Option(names = "--resume", paramLabel = "SWEEP_FOLDER",
            description = "Continue a sweep: skip finished trials, resume interrupted ones (no FILE needed).")
    Path resume;

    @ArgGroup(exclusive = true)
    Where where = new Where();

    static final class Where {
        @Option(names = "--workers", paramLabel = "N", description = "Trials at once on this machine, sharing its"
                + " cores (default: 1).")
        Integer workers;

        @Option(names = "--spark", paramLabel = "MASTER",
                description = "Run each trial as a Spark task: local[N], spark://HOST:7077, yarn, k8s://...")
        String spark;
    }

    /** For tests: called as each trial ends, with the sweep's stop (what Ctrl-C does). */
    static java.util.function.BiConsumer<SweepFolder.Trial, Runnable> trialHook = (t, stop) -> { };

    @Override
    public Integer call() {
        PrintStream out = System.out;
        Path folder;
        SweepFolder.Index index;
        if (resume != null) {
            if (file != null || !grid.isEmpty() || !experiment.sets.isEmpty()) {
                throw new UserError("--resume takes the sweep folder only: its trials are fixed in "
                        + resume.resolve(SweepFolder.INDEX), 2, null);
            }
            folder = resume;
            index = SweepFolder.read(folder);
        } else {
            if (file == null) {
                throw new UserError("no experiment file given (usage: runner sweep FILE.yaml [--grid KEY=A,B])", 2,
                        null);
            }
            SweepSpec spec = SweepLoader.load(file, experiment.sets, grid);
            folder = SweepFolder.create(results, spec.name());
            List<SweepFolder.Trial> trials = new ArrayList<>();
            for (SweepSpec.Trial t : spec.trials()) {
                SweepFolder.Trial st = new SweepFolder.Trial(t.index(), t.name(), t.values(), t.sets(),
                        SweepFolder.PENDING, null, null, null);
                AtomicFiles.writeString(SweepFolder.experimentFile(folder, st),
                        SpecWriter.toYaml(t.experiment().resolved()));
                trials.add(st);
            }
            index = new SweepFolder.Index(spec.name(), file.toAbsolutePath().normalize().toString(),
                    spec.metric().name(), spec.metric().goal(), spec.keys(), List.copyOf(experiment.sets), null,
                    Main.argv, Instant.now().toString(), List.copyOf(trials));
        }
        int workers = where.workers == null ? 1 : where.workers;
        if (workers < 1) {
            throw new UserError("--workers " + workers + ": must be at least 1", 2, null);
        }
        try (TrialExecutor executor = where.spark != null
                ? new SparkTrials(where.spark, "runner sweep " + index.name(), experiment.dataRoot)
                : new LocalTrials(workers, experiment.dataRoot)) {
            index = index.withExecutor(executor.describe(), Main.argv);
            return new Sweep(folder, index, executor, out).run();
        }
    }

    /** One sweep's run: the index, kept up to date in sweep.json as trials start and end. */
    private static final class Sweep {
        final Path folder;
        final TrialExecutor executor;
        final PrintStream out;
        final AtomicBoolean stopping = new AtomicBoolean();
        final AtomicInteger done = new AtomicInteger();
        SweepFolder.Index index;

        Sweep(Path folder, SweepFolder.Index index, TrialExecutor executor, PrintStream out) {
            this.folder = folder;
            this.index = index;
            this.executor = executor;
            this.out = out;
        }

        int run() {
            List<SweepFolder.Trial> todo = new ArrayList<>();
            for (SweepFolder.Trial t : index.trials()) {
                if (!t.finished()) {
                    todo.add(prepare(t));
                }
            }
            write();
            int skipped = index.trials().size() - todo.size();
            out.printf(Locale.ROOT, "Sweep of %s: %d trial%s (%s)%s, %s -> %s%n", index.name(),
                    index.trials().size(), index.trials().size() == 1 ? "" : "s", sweptKeys(),
                    skipped > 0 ? ", " + skipped + " finished already" : "", executor.describe(), folder);
            Runnable stop = this::stop;
            Thread hook = new Thread(() -> {
                stop.run();
                awaitQuietly();
            }, "runner-sweep-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Object previous = installCtrlC();
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(executor.slots(), Math.max(1, todo.size())));
            List<Future<?>> futures = new ArrayList<>();
            int total = index.trials().size();
            for (SweepFolder.Trial t : todo) {
                futures.add(pool.submit(() -> runOne(t, total)));
            }
            pool.shutdown();
            try {
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (InterruptedException e) {
                stop();
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            } finally {
                finished.countDown();
                restoreCtrlC(previous);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // shutting down: the hook is running
                }
            }
            return finish();
        }

        private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);

        private void awaitQuietly() {
            try {
                finished.await(dev.runner.train.StopSignal.SHUTDOWN_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * A trial about to run: its run folder, if any, is resumed (from its checkpoint, or from the start in the same
         * folder when it stopped before its first one); a folder killed before it became a run folder is set aside.
         */
        private SweepFolder.Trial prepare(SweepFolder.Trial t) {
            Path run = SweepFolder.runFolder(folder, t);
            if (Files.exists(run) && !RunFolder.isRunFolder(run)) {
                // killed before metrics.json was written: start over, keeping the old folder
                Path aside = folder.resolve(t.name() + ".abandoned");
                for (int n = 2; Files.exists(aside); n++) {
                    aside = folder.resolve(t.name() + ".abandoned-" + n);
                }
                try {
                    Files.move(run, aside);
                } catch (IOException e) {
                    throw new UserError("cannot set aside " + run + ": " + e.getMessage(), e);
                }
            }
            return t.with(SweepFolder.PENDING, null, null, null);
        }

        private void runOne(SweepFolder.Trial t, int total) {
            if (stopping.get()) {
                return;
            }
            Path run = SweepFolder.runFolder(folder, t);
            boolean resume = RunFolder.isRunFolder(run);
            update(t.with(SweepFolder.RUNNING, null, null, null));
            out.printf(Locale.ROOT, "[%d/%d] %s: %s%n", t.index(), total, t.name(), resume ? "resuming" : "started");
            int code;
            try {
                code = executor.run(folder, t.name(), resume);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                code = 130;
            } catch (RuntimeException e) {
                TrialProcess.appendOutput(folder, t.name(), "runner: " + e.getMessage());
                code = TrialProcess.NOT_STARTED;
            }
            SweepFolder.Trial ended = outcome(t, code);
            update(ended);
            done.incrementAndGet();
            trialHook.accept(ended, this::stop);
            String metric = ended.metric() == null ? "" : ", " + index.metric() + " " + show(index.metric(), ended.metric());
            String secs = ended.seconds() == null ? "" : String.format(Locale.ROOT, ", %.1f s", ended.seconds());
            out.printf(Locale.ROOT, "[%d/%d] %s: %s%s%s%s%n", t.index(), total, t.name(), ended.status(), metric,
                    secs, ended.error() == null || "completed".equals(ended.status()) ? "" : " (" + ended.error() + ")");
        }

        /** The trial's status from its run folder (and the process's exit code when the folder does not say). */
        private SweepFolder.Trial outcome(SweepFolder.Trial t, int code) {
            Path run = SweepFolder.runFolder(folder, t);
            if (!RunFolder.isRunFolder(run)) {
                String why = TrialProcess.lastLine(folder, t.name());
                return t.with(code == 130 ? "interrupted" : "failed", why != null ? why : TrialProcess.describe(code),
                        null, null);
            }
            RunReader.Run r = RunReader.read(run);
            Double metric = SweepFolder.metric(r, index.metric());
            String status = r.status();
            String error = r.error();
            if ("running".equals(status) || "crashed".equals(status)) {
                // the process ended without saying how: killed, or crashed in native code
                status = code == 130 || code == 143 ? "interrupted" : "failed";
                String last = TrialProcess.lastLine(folder, t.name());
                error = TrialProcess.describe(code) + (last == null || code > 128 ? "" : ": " + last);
            }
            return t.with(status, error, metric, SweepFolder.seconds(r));
        }

        private synchronized void update(SweepFolder.Trial t) {
            index = index.withTrial(t);
            write();
        }

        private synchronized void write() {
            SweepFolder.write(folder, index);
        }

        void stop() {
            if (stopping.compareAndSet(false, true)) {
                executor.stop();
            }
        }

        private Object installCtrlC() {
            try {
                return sun.misc.Signal.handle(new sun.misc.Signal("INT"), sig -> {
                    if (stopping.get()) {
                        out.println();
                        out.println("Second Ctrl-C: stopping now.");
                        out.flush();
                        Runtime.getRuntime().halt(130);
                    }
                    out.println();
                    out.println("Ctrl-C: stopping the sweep; running trials save a checkpoint (continue with"
                            + " runner sweep --resume " + folder + ")");
                    out.flush();
                    stop();
                });
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                return null;
            }
        }

        private void restoreCtrlC(Object previous) {
            if (previous instanceof sun.misc.SignalHandler h) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
                } catch (IllegalArgumentException e) {
                    // ignore
                }
            }
        }

        private int finish() {
            for (SweepFolder.Trial t : index.trials()) {
                if (SweepFolder.RUNNING.equals(t.status())) {
                    update(t.with("interrupted", "the sweep stopped", t.metric(), t.seconds()));
                }
            }
            SweepFolder.Trial best = index.best();
            try {
                drawPlot(folder, index);
            } catch (RuntimeException e) {
                out.println("runner: could not draw " + SweepFolder.PLOT + ": " + e.getMessage());
            }
            out.println();
            out.print(RunTable.render(RunTable.of(List.of(folder), null), RunTable.Format.TEXT));
            if (best != null) {
                out.println("Best: " + best.name() + " (" + index.metric() + " " + show(index.metric(), best.metric())
                        + ")");
            }
            out.println("Sweep: " + folder);
            long pending = index.trials().stream().filter(t -> !t.finished()).count();
            long failed = index.trials().stream().filter(t -> "failed".equals(t.status())).count();
            if (pending > 0) {
                out.println(pending + " trial" + (pending == 1 ? "" : "s") + " not finished: continue with runner"
                        + " sweep --resume " + folder);
                return 130;
            }
            return failed > 0 ? 1 : 0;
        }

        private String sweptKeys() {
            return String.join(", ", index.keys());
        }
    }

    /** {@code sweep.png} from the index and the trials' metrics. */
    static void drawPlot(Path folder, SweepFolder.Index index) {
        List<Map<String, Object>> values = new ArrayList<>();
        List<Double> metric = new ArrayList<>();
        int best = -1;
        SweepFolder.Trial b = index.best();
        for (SweepFolder.Trial t : index.trials()) {
            if (b != null && t.index() == b.index()) {
                best = values.size();
            }
            values.add(t.values());
            metric.add("completed".equals(t.status()) ? t.metric() : null);
        }
        if (metric.stream().noneMatch(m -> m != null && Double.isFinite(m))) {
            return;
        }
        Charts.sweep(folder.resolve(SweepFolder.PLOT), index.name(), index.metric(), index.keys(), values, metric,
                best);
    }

    static String show(String metric, double v) {
        return metric.endsWith("accuracy") ? String.format(Locale.ROOT, "%.2f %%", 100 * v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
