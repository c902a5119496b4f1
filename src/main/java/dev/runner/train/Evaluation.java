package dev.runner.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import dev.runner.model.Network;

/**
 * One pass over a data set in evaluation mode: mean cross-entropy loss (of the network's class probabilities,
 * clipped at 1e-10 as DL4J's MCXENT does), accuracy and the confusion matrix ({@code [true][predicted]}).
 * Ties in the prediction go to the lowest class index. Top-k accuracy for each k of {@code ks}: the true class
 * is among the k most probable, i.e. fewer than k classes rank before it (more probable, or as probable with a
 * lower index: the order of a stable descending sort, as top-1's argmax).
 *
 * @param ks         the k of each top-k accuracy
 * @param topCorrect examples whose true class is among the {@code ks[i]} most probable
 */
public record Evaluation(double lossSum, long total, long correct, long[][] confusion, int[] ks, long[] topCorrect) {

    public Evaluation(double lossSum, long total, long correct, long[][] confusion) {
        this(lossSum, total, correct, confusion, new int[0], new long[0]);
    }

    /** Evaluates {@code net} on every batch of {@code it}; null when {@code stop} turned true in between. */
    public static Evaluation of(Network net, DataSetIterator it, int numClasses, BooleanSupplier stop) {
        return of(net, it, numClasses, new int[0], stop);
    }

    /** As {@link #of(Network, DataSetIterator, int, BooleanSupplier)}, with top-k accuracy for each of {@code ks}. */
    public static Evaluation of(Network net, DataSetIterator it, int numClasses, int[] ks, BooleanSupplier stop) {
        double lossSum = 0;
        long total = 0;
        long correct = 0;
        long[] top = new long[ks.length];
        long[][] cm = new long[numClasses][numClasses];
        try {
            while (it.hasNext()) {
                if (stop.getAsBoolean()) {
                    return null;
                }
                DataSet b = it.next();
                INDArray p = net.output(b.getFeatures());
                double[][] probs = p.toDoubleMatrix();
                double[][] labels = b.getLabels().toDoubleMatrix();
                for (int i = 0; i < probs.length; i++) {
                    int truth = argmax(labels[i]);
                    int pred = argmax(probs[i]);
                    lossSum += -Math.log(Math.max(probs[i][truth], 1e-10));
                    cm[truth][pred]++;
                    if (truth == pred) {
                        correct++;
                    }
                    if (ks.length > 0) {
                        int rank = rank(probs[i], truth);
                        for (int k = 0; k < ks.length; k++) {
                            if (rank < ks[k]) {
                                top[k]++;
                            }
                        }
                    }
                    total++;
                }
            }
        } finally {
            Trainer.closeQuietly(it);
        }
        return new Evaluation(lossSum, total, correct, cm, ks.clone(), top);
    }

    /** Classes ranked before class {@code c}: more probable, or as probable with a lower index. */
    static int rank(double[] row, int c) {
        int before = 0;
        for (int j = 0; j < row.length; j++) {
            if (row[j] > row[c] || row[j] == row[c] && j < c) {
                before++;
            }
        }
        return before;
    }

    /** Top-{@code ks[i]} accuracy. */
    public double topKAccuracy(int i) {
        return total == 0 ? Double.NaN : (double) topCorrect[i] / total;
    }

    static int argmax(double[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    public double loss() {
        return total == 0 ? Double.NaN : lossSum / total;
    }

    public double accuracy() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** Accuracy per class name (null for a class with no examples). */
    public Map<String, Double> perClass(List<String> classes) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            long n = 0;
            for (long v : confusion[c]) {
                n += v;
            }
            m.put(classes.get(c), n == 0 ? null : (double) confusion[c][c] / n);
        }
        return m;
    }
}
