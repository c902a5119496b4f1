package dev.runner.sweep;

import dev.runner.AtomicFiles;
import dev.runner.UserError;
import dev.runner.results.charts.SweepChart;
import dev.runner.results.RunLock;
import dev.runner.results.SweepFolder;
import dev.runner.spec.SpecWriter;
import dev.runner.spec.SweepLoader;
import dev.runner.spec.SweepSpec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
    private final SweepSpec spec;

    private Sweep(Path folder, SweepFolder.Index index, SweepSpec spec) {
        this.folder = folder;
        this.index = index;
        this.spec = spec;
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
        int count = spec.search().tpe() ? spec.search().count() : spec.trials().size();
        return new Sweep(folder, new SweepFolder.Index(spec.name(), file.toAbsolutePath().normalize().toString(),
                spec.metric().name(), spec.metric().goal(), spec.keys(), List.copyOf(sets), null,
                commandLine, Instant.now().toString(), List.copyOf(trials),
                Scheduler.describe(spec.search(), count), List.of()), spec);
    }

    /**
     * The sweep in {@code folder}, to continue: its trials (and an adaptive sweep's jobs) are fixed in its
     * {@code sweep.json}. A TPE sweep reads its experiment file again for the distributions, and refuses to go on
     * when its search section changed.
     */
    public static Sweep open(Path folder) {
        SweepFolder.Index index = SweepFolder.read(folder);
        SweepSpec spec = null;
        if ("tpe".equals(index.search().get("method"))) {
            spec = SweepLoader.load(Path.of(index.file()), index.set(), List.of());
            Map<String, Object> now = Scheduler.describe(spec.search(), spec.search().count());
            for (String k : List.of("method", "seed", "trials", "pruning")) {
                if (!String.valueOf(now.get(k)).equals(String.valueOf(index.search().get(k)))) {
                    throw new UserError("--resume " + folder + ": the sweep section of " + index.file() + " changed"
                            + " since the sweep began (" + k + " was " + index.search().get(k) + ", is " + now.get(k)
                            + ")", 1, null);
                }
            }
        }
        return new Sweep(folder, index, spec);
    }

    public Path folder() {
        return folder;
    }

    public SweepFolder.Index index() {
        return index;
    }

    /**
     * Runs every trial not finished yet on {@code executor} and waits for them; returns the exit code (0 all
     * completed, 1 some failed, 130 some not finished: continue with {@code runner sweep --resume}). One driver per
     * sweep folder: it holds the folder's {@link RunLock} throughout, so a second {@code sweep --resume} of it is
     * refused in one line naming the holder's pid before it reads or changes anything.
     */
    public int run(TrialExecutor executor, List<String> commandLine, PrintStream out, TrialListener onTrialEnded) {
        RunLock.acquire(folder);
        try {
            // a resumed sweep's index as it is now that this driver holds the folder
            SweepFolder.Index current = SweepFolder.isSweepFolder(folder) ? SweepFolder.read(folder) : index;
            return new SweepRun(folder, current.withExecutor(executor.describe(), commandLine), spec, executor, out,
                    onTrialEnded).run();
        } finally {
            RunLock.release(folder);
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
        List<double[]> meanSd = null;
        if (index.seeds() > 1) {
            // each configuration's mean ± sd, drawn once, at its first trial
            meanSd = new ArrayList<>();
            Map<String, double[]> byConfig = new java.util.HashMap<>();
            for (dev.runner.results.SeedTable.Config c : dev.runner.results.SeedTable.of(index)) {
                if (c.stats() != null) byConfig.put(c.name(), new double[] {c.stats().mean(), c.stats().sd()});
            }
            java.util.Set<String> drawn = new java.util.HashSet<>();
            for (SweepFolder.Trial t : index.trials()) {
                String c = dev.runner.results.SeedTable.configName(t.name());
                meanSd.add(drawn.add(c) ? byConfig.get(c) : null);
            }
        }
        SweepChart.draw(folder.resolve(SweepFolder.PLOT), index.name(), index.metric(), index.keys(), values, metric,
                best, meanSd);
    }

    public static String show(String metric, double v) {
        return metric.endsWith("accuracy") ? String.format(Locale.ROOT, "%.2f %%", 100 * v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
