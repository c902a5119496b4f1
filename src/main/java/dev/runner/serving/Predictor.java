package dev.runner.serving;

import dev.runner.data.Batches;
import dev.runner.data.ImageSet;
import dev.runner.model.Network;
import dev.runner.spec.DataSpec;
import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Class probabilities of a set of images: the experiment's evaluation batches ({@link Batches#eval}: normalised
 * as in training's evaluation, in the network's layout) through the network in inference mode, on the engine the
 * network was compiled for, as training evaluates.
 */
public final class Predictor {
    /** Inputs of at least this many images get a progress bar on a terminal. */
    public static final int PROGRESS_FROM = 2048;

    private Predictor() {}

    /**
     * The probabilities, {@code [images][classes]}, in the order of {@code images}.
     *
     * @param progress a progress bar goes here when not null and there are at least {@link #PROGRESS_FROM} images
     */
    public static float[][] probabilities(Network net, ImageSet images, DataSpec spec, int batch,
                                          PrintStream progress) {
        float[][] out = new float[images.size()][];
        ProgressBar bar = progress != null && images.size() >= PROGRESS_FROM ? new ProgressBarBuilder()
                .setTaskName("predict").setInitialMax(images.size()).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(progress))
                .startsFrom(0, Duration.ZERO).build() : null;
        int done = 0;
        try (var it = Batches.eval(images, spec, batch, net.layout())) {
            while (it.hasNext()) {
                DataSet b = it.next();
                INDArray p = net.output(b.getFeatures());
                float[][] rows = p.toFloatMatrix();
                System.arraycopy(rows, 0, out, done, rows.length);
                done += rows.length;
                if (bar != null) {
                    bar.stepTo(done);
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        return out;
    }

    /** The evaluation batches of {@code images} as {@link Predictor#probabilities} feeds them (for evaluation). */
    public static dev.runner.data.EpochIterator batches(Network net, ImageSet images, DataSpec spec, int batch) {
        return Batches.eval(images, spec, batch, net.layout());
    }

    /** The index of the largest value; ties go to the lowest index (as the run's evaluation). */
    public static int argmax(float[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    /** The indices of the {@code k} largest values, largest first (ties: lower index first). */
    public static int[] top(float[] row, int k) {
        int n = Math.min(k, row.length);
        int[] idx = new int[n];
        boolean[] used = new boolean[row.length];
        for (int r = 0; r < n; r++) {
            int best = -1;
            for (int j = 0; j < row.length; j++) {
                if (!used[j] && (best < 0 || row[j] > row[best])) {
                    best = j;
                }
            }
            used[best] = true;
            idx[r] = best;
        }
        return idx;
    }
}
