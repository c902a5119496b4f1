package dev.runner.cli;

import dev.runner.UserError;
import dev.runner.results.SweepFolder;
import dev.runner.spec.SweepLoader;
import dev.runner.spec.SweepSpec;
import dev.runner.sweep.LocalTrials;
import dev.runner.sweep.SparkTrials;
import dev.runner.sweep.Sweep;
import dev.runner.sweep.TrialExecutor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runner sweep FILE}: expands the experiment's sweep (and {@code --grid} flags) into trials, validates them
 * all ({@link SweepLoader}), then hands them to the sweep engine ({@link Sweep}) on local workers or Spark;
 * {@code --resume} continues a sweep. See docs/cli.md.
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

    private final Invocation invocation;

    SweepCommand(Invocation invocation) {
        this.invocation = invocation;
    }

    @Override
    public Integer call() {
        // the flags first: a bad one must not leave a sweep folder behind
        int workers = where.workers == null ? 1 : where.workers;
        if (workers < 1) {
            throw new UserError("--workers " + workers + ": must be at least 1", 2, null);
        }
        if (where.spark != null) {
            SparkTrials.checkMaster(where.spark);
        }
        SweepSpec spec = null;
        if (resume != null) {
            if (file != null || !grid.isEmpty() || !experiment.sets.isEmpty()) {
                throw new UserError("--resume takes the sweep folder only: its trials are fixed in "
                        + resume.resolve(SweepFolder.INDEX), 2, null);
            }
        } else {
            if (file == null) {
                throw new UserError("no experiment file given (usage: runner sweep FILE.yaml [--grid KEY=A,B])", 2,
                        null);
            }
            spec = SweepLoader.load(file, experiment.sets, grid);
        }
        Sweep opened = resume != null ? Sweep.open(resume) : null;
        String name = opened != null ? opened.index().name() : spec.name();
        String main = Main.class.getName();
        // the executor before the folder: Spark that cannot start leaves nothing
        try (TrialExecutor executor = where.spark != null
                ? new SparkTrials(where.spark, "runner sweep " + name, experiment.dataRoot, main)
                : new LocalTrials(workers, experiment.dataRoot, main)) {
            Sweep sweep = opened != null ? opened : Sweep.create(results, spec, file, experiment.sets,
                    invocation.argv());
            return sweep.run(executor, invocation.argv(), System.out, invocation.trialEnded());
        }
    }
}
