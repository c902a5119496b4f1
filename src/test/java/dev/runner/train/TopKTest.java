package dev.runner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runner.model.Network;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Top-k accuracy against hand-computed values. */
class TopKTest {
    /** A network whose output is its input: the "features" are the class probabilities. */
    static Network identity() {
        return (Network) Proxy.newProxyInstance(Network.class.getClassLoader(), new Class<?>[] {Network.class},
                (p, m, a) -> {
                    if (m.getName().equals("output")) return a[0];
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    static DataSet batch(double[][] probs, int[] truth) {
        double[][] labels = new double[truth.length][probs[0].length];
        for (int i = 0; i < truth.length; i++) labels[i][truth[i]] = 1;
        return new DataSet(Nd4j.create(probs), Nd4j.create(labels));
    }

    @Test
    void topKCountsTheTrueClassAmongTheKMostProbable() {
        // 5 classes, 4 examples in two batches; the true class's rank (0 = most probable):
        double[][] a = {{0.1, 0.5, 0.2, 0.15, 0.05},   // truth 2: rank 1 (0.5 before it)
                        {0.3, 0.3, 0.2, 0.1, 0.1}};   // truth 1: rank 1 (tie with class 0, lower index first)
        double[][] b = {{0.05, 0.1, 0.2, 0.25, 0.4},   // truth 0: rank 4
                        {0.6, 0.1, 0.1, 0.1, 0.1}};   // truth 0: rank 0
        var it = new ListDataSetIterator<>(List.of(batch(a, new int[] {2, 1}), batch(b, new int[] {0, 0})), 2);
        Evaluation ev = Evaluation.of(identity(), it, 5, new int[] {2, 3, 5}, () -> false);
        assertThat(ev.total()).isEqualTo(4);
        assertThat(ev.accuracy()).isEqualTo(0.25);          // only the last one
        assertThat(ev.topKAccuracy(0)).isEqualTo(0.75);     // ranks 1, 1, 0 < 2
        assertThat(ev.topKAccuracy(1)).isEqualTo(0.75);     // rank 4 is not < 3
        assertThat(ev.topKAccuracy(2)).isEqualTo(1.0);      // k = number of classes: always
        assertThat(Evaluation.rank(new double[] {0.3, 0.3, 0.4}, 0)).isEqualTo(1);
        assertThat(Evaluation.rank(new double[] {0.3, 0.3, 0.4}, 1)).isEqualTo(2);
        // top-1 through the same rule is the argmax accuracy
        var again = new ListDataSetIterator<>(List.of(batch(a, new int[] {2, 1}), batch(b, new int[] {0, 0})), 2);
        assertThat(Evaluation.of(identity(), again, 5, new int[] {1}, () -> false).topKAccuracy(0))
                .isEqualTo(ev.accuracy());
    }

    @Test
    void metricsJsonWritesAndReadsTopK() {
        Metrics m = new Metrics("x", 1, 1, List.of("a", "b", "c"));
        m.epochs.add(new Metrics.Epoch(1, 1.5, 1.2, 0.5, null, null, null, 0.1, 2,
                Map.of("test_top2_accuracy", 0.875)));
        String json = m.toJson();
        assertThat(json).contains("\"test_top2_accuracy\" : 0.875");
        Metrics back = Metrics.parse(json);
        assertThat(back.epochs.get(0).topK()).containsEntry("test_top2_accuracy", 0.875);
        assertThat(back.epochs.get(0).metric("test_top2_accuracy")).isCloseTo(0.875, within(0.0));
    }
}
