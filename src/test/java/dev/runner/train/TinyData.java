package dev.runner.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/** Test data: three Gaussian clusters in 8 dimensions, shuffled per epoch from (seed, epoch). */
final class TinyData implements TrainingData {
    final List<DataSet> train;
    final List<DataSet> test;
    final int batch;
    final long seed;

    TinyData(int nTrain, int nTest, int batch, long seed) {
        Random r = new Random(1234);
        double[][] centers = new double[TinyNet.CLASSES][TinyNet.FEATURES];
        for (double[] c : centers) {
            for (int j = 0; j < c.length; j++) {
                c[j] = r.nextGaussian() * 1.5;
            }
        }
        this.train = examples(nTrain, centers, r);
        this.test = examples(nTest, centers, r);
        this.batch = batch;
        this.seed = seed;
    }

    private static List<DataSet> examples(int n, double[][] centers, Random r) {
        List<DataSet> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % TinyNet.CLASSES;
            float[] x = new float[TinyNet.FEATURES];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (centers[c][j] + r.nextGaussian());
            }
            float[] y = new float[TinyNet.CLASSES];
            y[c] = 1;
            l.add(new DataSet(Nd4j.create(x, new long[] {1, x.length}), Nd4j.create(y, new long[] {1, y.length})));
        }
        return l;
    }

    @Override
    public List<String> classes() {
        return List.of("plane", "car", "bird");
    }

    @Override
    public int iterationsPerEpoch() {
        return (train.size() + batch - 1) / batch;
    }

    @Override
    public DataSetIterator train(int epoch) {
        List<DataSet> l = new ArrayList<>(train);
        Collections.shuffle(l, new Random(seed * 31 + epoch));
        return new ListDataSetIterator<>(l, batch);
    }

    @Override
    public DataSetIterator test() {
        return new ListDataSetIterator<>(test, 7);
    }

    @Override
    public DataSetIterator trainEval() {
        return new ListDataSetIterator<>(train, 11);
    }
}
