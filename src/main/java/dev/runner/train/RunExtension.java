package dev.runner.train;

import dev.runner.UserError;
import dev.runner.model.Network;
import dev.runner.spec.Experiment;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code runner run --resume RUN --set epochs=N}: a completed run trained on to more epochs, in its own folder.
 */
public final class RunExtension {
    private RunExtension() {}

    /**
     * Why the completed run in {@code folder} cannot be extended to {@code epochs} epochs, or null when it can: it
     * must have completed, with fewer epochs than that.
     */
    public static String notExtendable(Path folder, int epochs) {
        Metrics m = Metrics.read(folder.resolve(Metrics.FILE));
        if (!Metrics.COMPLETED.equals(m.status)) {
            return "only a completed run is extended (this one is " + m.status + ")";
        }
        if (epochs <= m.epochs.size()) {
            return "the run has trained " + m.epochs.size() + " epochs already; give more to extend it";
        }
        return null;
    }

    /**
     * Trains the completed run in {@code folder} on to {@code exp.epochs()} epochs, in its folder and holding its
     * lock: {@code net} is its {@code model.zip} restored with the updater state, {@code exp} its experiment with
     * the new length. The learning-rate schedule is planned for the new length from the first step on, and the
     * extension follows it from where the run stopped (a constant lr continues unchanged: the extended run equals
     * a straight run of the longer length). A checkpoint is saved first, so a stop before the next epoch resumes here.
     */
    public static Trainer.Result extend(Path folder, Experiment exp, Network net, TrainingData data,
                                        Trainer.Options o) {
        try (RunRecorder.Run run = o.recorder().reopen(folder)) {
            String why = notExtendable(folder, exp.epochCount());
            if (why != null) {
                throw new UserError("--resume " + folder + ": " + why);
            }
            run.removeTemporaries();
            Metrics metrics = Metrics.read(folder.resolve(Metrics.FILE));
            int done = metrics.epochs.size();
            long iteration = net.graph().getIterationCount();
            if (metrics.iterationsPerEpoch != data.iterationsPerEpoch()
                    || iteration != (long) done * data.iterationsPerEpoch()) {
                throw new UserError("--resume " + folder + ": the model or data differ from the run's (" + done
                        + " epochs of " + metrics.iterationsPerEpoch + " iterations, the model at iteration "
                        + iteration + ")");
            }
            int before = metrics.epochsPlanned;
            metrics.status = Metrics.RUNNING;
            metrics.error = null;
            metrics.stopReason = null;
            metrics.fin = null;
            metrics.epochsPlanned = exp.epochCount();
            Checkpoint.State state = new Checkpoint.State(done, 0, iteration, exp.seed(), 0);
            Checkpoint.save(folder, net.graph(), state, metrics);
            metrics.write(folder);
            run.resumed(o.commandLine);
            try (RunRecorder.Log log = run.log(o.terminal)) {
                log.println(String.format(Locale.ROOT, "Extending %s from %d to %s epochs (planned %d) -> %s",
                        exp.name(), done, Trainer.epochsText(exp.epochs()), before, folder));
                return Trainer.loop(exp, net, data, o, run, log, metrics, state);
            }
        }
    }

}
