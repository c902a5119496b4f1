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
 * Ties in the prediction go to the lowest class index.
 */
public record Evaluation(double lossSum, long total, long correct, long[][] confusion) {

    /** Evaluates {@code net} on every batch of {@code it}; null when {@code stop} turned true in between. */
    public static Evaluation of(Network net, DataSetIterator it, int numClasses, BooleanSupplier stop) {
        double lossSum = 0;
        long total = 0;
        long correct = 0;
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
                    total++;
                }
            }
        } finally {
            Trainer.closeQuietly(it);
        }
        return new Evaluation(lossSum, total, correct, cm);
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
