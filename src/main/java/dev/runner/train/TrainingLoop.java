package dev.runner.train;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.schedule.ISchedule;
import dev.runner.model.Network;

/**
 * The one training loop: epochs of batches from {@link TrainingData#train(int)}, one optimizer step per batch at the
 * schedule's learning rate, and a {@link Hook} that decides what each step and each epoch mean. A training run
 * ({@link Trainer}: metrics, evaluation, checkpoints) and the LR range test ({@link LrRangeTest}: a rising learning
 * rate, the loss curve, the divergence stop) are the two hooks.
 *
 * <p>A step: the iteration is the graph's iteration count before the step, the learning rate
 * {@code schedule.valueAt(iteration, epoch)}, then {@code net.fit(batch)} and the loss {@code net.score()}.
 */
public final class TrainingLoop {
    /** What the loop asks of its user. Any method may throw; the loop closes the epoch's iterator first. */
    public interface Hook {
        /** Whether to run epoch {@code epoch} (false ends the loop). */
        boolean startEpoch(int epoch);

        /** Whether to train one more batch in the current epoch (checked before each batch). */
        default boolean moreBatches() {
            return true;
        }

        /** After each step; false ends the loop at once (the epoch's {@link #batchesEnded} still runs). */
        boolean afterStep(Step step);

        /** After the epoch's batches, however they ended (progress bars close here). */
        default void batchesEnded(int epoch) {
        }

        /** After an epoch whose batches all ran; false ends the loop. */
        boolean afterEpoch(int epoch);
    }

    /** One optimizer step: its epoch (0-based), iteration (before the step), learning rate, loss and batch size. */
    public record Step(int epoch, int iteration, double lr, double loss, int examples) {}

    private final Network net;
    private final ComputationGraph graph;
    private final TrainingData data;
    private final ISchedule schedule;

    /**
     * A loop training {@code net} on {@code data} at {@code schedule}'s learning rates; {@code plan}'s listeners
     * (AdamW's decoupled decay) are added to the network here, as every run and resume needs them.
     */
    public TrainingLoop(Network net, TrainingData data, Optimizers.Plan plan, ISchedule schedule) {
        this.net = net;
        this.graph = net.graph();
        this.data = data;
        this.schedule = schedule;
        for (TrainingListener l : plan.listeners()) {
            graph.addListeners(l);
        }
    }

    /**
     * Runs epochs from {@code firstEpoch}, whose first {@code skipBatches} batches are already trained (a resume);
     * an epoch with all its batches trained (stopped during evaluation) goes straight to {@link Hook#afterEpoch}.
     */
    public void run(int firstEpoch, int skipBatches, Hook hook) {
        for (int e = firstEpoch; hook.startEpoch(e); e++) {
            int skip = e == firstEpoch ? skipBatches : 0;
            DataSetIterator it = skip > 0 && skip >= data.iterationsPerEpoch() ? null : data.train(e);
            try {
                for (int s = 0; it != null && s < skip && it.hasNext(); s++) {
                    it.next();
                }
                while (it != null && it.hasNext() && hook.moreBatches()) {
                    DataSet b = it.next();
                    int iter = graph.getIterationCount();
                    double lr = schedule.valueAt(iter, e);
                    net.fit(b);
                    if (!hook.afterStep(new Step(e, iter, lr, net.score(), b.numExamples()))) {
                        return;
                    }
                }
            } finally {
                Trainer.closeQuietly(it);
                hook.batchesEnded(e);
            }
            if (!hook.afterEpoch(e)) {
                return;
            }
        }
    }

    /** The learning rate the schedule gives at {@code iteration} of {@code epoch}. */
    public double lrAt(int iteration, int epoch) {
        return schedule.valueAt(iteration, epoch);
    }

    /** Progress bars (true) or one line per epoch (false): the option, else {@code System.console() != null}. */
    static boolean interactive(Boolean option) {
        return option != null ? option : System.console() != null;
    }

    /** The terminal's progress bar: {@code task}, {@code max} steps, {@code done} of them already done. */
    static ProgressBar bar(String task, int max, int done, PrintStream terminal) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .startsFrom(done, Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(terminal))
                .build();
    }
}
