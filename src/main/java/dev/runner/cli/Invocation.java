package dev.runner.cli;

import dev.runner.sweep.Sweep;
import dev.runner.train.StopSignal;
import dev.runner.train.Trainer;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * One command line as {@link Main#execute(Invocation)} runs it: its arguments (recorded in provenance.json and
 * sweep.json) and what the caller attaches to the commands it runs, given to each command's constructor: a look at
 * every run's trainer options and stop signal (a test requests a stop, or fails a write, through it), each
 * sweep trial as it ends, with the sweep's stop, and the CPU networks are compiled for. {@link #of} attaches
 * nothing.
 *
 * @param argv       the command line
 * @param trainer    sees each run's and resume's trainer options and stop signal before it starts
 * @param trialEnded sees each sweep trial as it ends
 * @param cpuIsa     oneDNN's instruction set that {@code run} and {@code check} decide the precision for; null:
 *                   this CPU's (tests name another CPU's, see {@code CompileOptions.cpuIsa})
 */
public record Invocation(List<String> argv, BiConsumer<Trainer.Options, StopSignal> trainer,
                         Sweep.TrialListener trialEnded, String cpuIsa) {
    public Invocation {
        argv = List.copyOf(argv);
    }

    /** {@code runner ARGS} with nothing attached. */
    public static Invocation of(String... args) {
        return new Invocation(List.of(args), (options, stop) -> { }, (trial, stop) -> { }, null);
    }

    public Invocation withTrainer(BiConsumer<Trainer.Options, StopSignal> t) {
        return new Invocation(argv, t, trialEnded, cpuIsa);
    }

    public Invocation withTrialEnded(Sweep.TrialListener l) {
        return new Invocation(argv, trainer, l, cpuIsa);
    }

    public Invocation withCpuIsa(String isa) {
        return new Invocation(argv, trainer, trialEnded, isa);
    }
}
