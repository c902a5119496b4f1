package dev.runner.sweep;

import dev.runner.AtomicFiles;
import dev.runner.UserError;
import dev.runner.results.charts.SweepChart;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import dev.runner.results.RunTable;
import dev.runner.results.SweepFolder;
import dev.runner.spec.SpecWriter;
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

/**
 * The sweep engine: a sweep folder ({@link SweepFolder}: {@code sweep.json}, one experiment file and one run folder
 * per trial) and its trials run on a {@link TrialExecutor} ({@link LocalTrials} or {@link SparkTrials}), each an
 * ordinary {@code runner run} in its own process ({@link TrialProcess}). {@code sweep.json} is kept up to date as
 * trials start and end; a stop (Ctrl-C, SIGTERM, {@link TrialListener}'s stop) lets running trials save a checkpoint
 * and leaves the sweep resumable; at the end it draws {@code sweep.png} and prints the table.
 *
 * <pre>
 *   Sweep s = Sweep.create(resultsRoot, SweepLoader.load(file, sets, grid), file, sets, commandLine);
 *   try (TrialExecutor ex = new LocalTrials(2, dataRoot, Main.class.getName())) {
 *       int exitCode = s.run(ex, commandLine, System.out, (trial, stop) -> { });
 *   }
 * </pre>
 */
public final class Sweep {
    /** Called as each trial ends, with the sweep's stop (what Ctrl-C does). */
    public interface TrialListener {
        void trialEnded(SweepFolder.Trial trial, Runnable stopSweep);
    }

    private final Path folder;
    private final SweepFolder.Index index;

    private Sweep(Path folder, SweepFolder.Index index) {
        this.folder = folder;
        this.index = index;
    }

    /**
     * A new sweep of {@code spec} in a new folder under {@code results}: every trial's resolved experiment written
     * beside {@code sweep.json}'s index (not yet written: {@link #run} writes it).
     *
     * @param file        the experiment file the spec was loaded from (recorded in the index)
     * @param sets        the {@code --set} overrides (recorded)
     * @param commandLine the command line (recorded)
     */
    public static Sweep create(Path results, SweepSpec spec, Path file, List<String> sets, List<String> commandLine) {
        Path folder = SweepFolder.create(results, spec.name());
        List<SweepFolder.Trial> trials = new ArrayList<>();
        for (SweepSpec.Trial t : spec.trials()) {
            SweepFolder.Trial st = new SweepFolder.Trial(t.index(), t.name(), t.values(), t.sets(),
                    SweepFolder.PENDING, null, null, null);
            AtomicFiles.writeString(SweepFolder.experimentFile(folder, st),
                    SpecWriter.toYaml(t.experiment().resolved()));
            trials.add(st);
        }
        return new Sweep(folder, new SweepFolder.Index(spec.name(), file.toAbsolutePath().normalize().toString(),
                spec.metric().name(), spec.metric().goal(), spec.keys(), List.copyOf(sets), null,
                commandLine, Instant.now().toString(), List.copyOf(trials)));
    }

    /** The sweep in {@code folder}, to continue: its trials are fixed in its {@code sweep.json}. */
    public static Sweep open(Path folder) {
        return new Sweep(folder, SweepFolder.read(folder));
    }

    public Path folder() {
        return folder;
    }

    public SweepFolder.Index index() {
        return index;
    }

    /**
     * Runs every trial not finished yet on {@code executor} and waits for them; returns the exit code (0 all
     * completed, 1 some failed, 130 some not finished: continue with {@code runner sweep --resume}).
     */
    public int run(TrialExecutor executor, List<String> commandLine, PrintStream out, TrialListener onTrialEnded) {
        return new Running(folder, index.withExecutor(executor.describe(), commandLine), executor, out,
                onTrialEnded).run();
    }

    /** One sweep's run: the index, kept up to date in sweep.json as trials start and end. */
    private static final class Running {
        final Path folder;
        final TrialExecutor executor;
        final PrintStream out;
        final TrialListener onTrialEnded;
        final AtomicBoolean stopping = new AtomicBoolean();
        final AtomicInteger done = new AtomicInteger();
        SweepFolder.Index index;

        Running(Path folder, SweepFolder.Index index, TrialExecutor executor, PrintStream out,
                TrialListener onTrialEnded) {
            this.folder = folder;
            this.index = index;
            this.executor = executor;
            this.out = out;
            this.onTrialEnded = onTrialEnded;
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
            onTrialEnded.trialEnded(ended, this::stop);
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
    public static void drawPlot(Path folder, SweepFolder.Index index) {
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
        SweepChart.draw(folder.resolve(SweepFolder.PLOT), index.name(), index.metric(), index.keys(), values, metric,
                best);
    }

    public static String show(String metric, double v) {
        return metric.endsWith("accuracy") ? String.format(Locale.ROOT, "%.2f %%", 100 * v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
