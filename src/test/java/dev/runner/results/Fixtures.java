package dev.runner.results;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Realistic synthetic training curves: 10 CIFAR classes, 24 epochs of 750 iterations (18,000 in all). */
public final class Fixtures {
    public static final List<String> CLASSES = List.of("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");
    public static final int EPOCHS = 24;
    public static final int ITERS_PER_EPOCH = 750;

    public final double[] iterLoss = new double[EPOCHS * ITERS_PER_EPOCH];
    public final double[] iterLr = new double[EPOCHS * ITERS_PER_EPOCH];
    public final double[] trainLoss = new double[EPOCHS];
    public final double[] testLoss = new double[EPOCHS];
    public final double[] trainAcc = new double[EPOCHS];
    public final double[] testAcc = new double[EPOCHS];
    public final Map<String, Double> perClassTest = new LinkedHashMap<>();
    public final Map<String, Double> perClassTrain = new LinkedHashMap<>();
    public final int[][] confusion = new int[10][10];

    public Fixtures(long seed) {
        Random r = new Random(seed);
        int n = iterLoss.length;
        for (int i = 0; i < n; i++) {
            double t = i / (double) n;
            double base = 0.15 + 2.15 * Math.exp(-6 * t) + 0.1 * (1 - t);
            iterLoss[i] = Math.max(0.01, base + r.nextGaussian() * 0.18 * Math.sqrt(base));
            iterLr[i] = 0.5 * 5e-3 * (1 + Math.cos(Math.PI * i / n));
        }
        for (int e = 0; e < EPOCHS; e++) {
            double s = 0;
            for (int i = e * ITERS_PER_EPOCH; i < (e + 1) * ITERS_PER_EPOCH; i++) {
                s += iterLoss[i];
            }
            trainLoss[e] = s / ITERS_PER_EPOCH;
            testLoss[e] = trainLoss[e] * 1.05 + 0.12 + 0.02 * r.nextGaussian();
            testAcc[e] = 0.93 - 0.45 * Math.exp(-0.25 * e) + 0.005 * r.nextGaussian();
            trainAcc[e] = Math.min(0.999, testAcc[e] + 0.002 * e * e / 10);
        }
        double[] hard = {0.95, 0.97, 0.90, 0.84, 0.93, 0.88, 0.95, 0.95, 0.96, 0.96};
        for (int c = 0; c < 10; c++) {
            int correct = (int) Math.round(hard[c] * 1000);
            confusion[c][c] = correct;
            int rest = 1000 - correct;
            while (rest > 0) {
                int j = r.nextInt(10);
                if (j == c) {
                    continue;
                }
                int k = Math.min(rest, 1 + r.nextInt(Math.max(1, rest / 2 + 1)));
                // cats and dogs confuse each other most
                if ((c == 3 && j != 5) || (c == 5 && j != 3)) {
                    k = Math.min(k, 1 + rest / 4);
                }
                confusion[c][j] += k;
                rest -= k;
            }
            perClassTest.put(CLASSES.get(c), confusion[c][c] / 1000.0);
            perClassTrain.put(CLASSES.get(c), Math.min(1.0, hard[c] + 0.03));
        }
    }

    public double overallTest() {
        int correct = 0;
        for (int c = 0; c < 10; c++) {
            correct += confusion[c][c];
        }
        return correct / 10000.0;
    }
}
