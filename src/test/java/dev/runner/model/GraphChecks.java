package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Shared checks of a graph's training step: its gradients for one batch, and arrays compared with a tolerance. */
final class GraphChecks {
    private GraphChecks() {}

    /** Every variable's gradient (copies, by name) after one forward and backward pass on (x, y). */
    static Map<String, INDArray> gradients(ComputationGraph g, INDArray x, INDArray y) {
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        Map<String, INDArray> m = new TreeMap<>();
        g.gradient().gradientForVariable().forEach((k, v) -> m.put(k, v.dup()));
        g.clear();
        return m;
    }

    /** |a - b| <= tol * max(1, max|b|) element-wise. */
    static void assertClose(INDArray a, INDArray b, double tol, String what) {
        assertThat(a.shape()).as(what).isEqualTo(b.shape());
        double scale = Math.max(1.0, b.amaxNumber().doubleValue());
        double diff = Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        assertThat(diff).as(what + " max abs diff (scale " + scale + ")").isLessThanOrEqualTo(tol * scale);
    }
}
