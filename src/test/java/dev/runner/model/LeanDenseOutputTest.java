package dev.runner.model;

import static dev.runner.model.GraphChecks.gradients;
import static dev.runner.model.TestSpecs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.runner.spec.LayerSpec;
import dev.runner.spec.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.ops.transforms.Transforms;

class LeanDenseOutputTest {
    /** A dense head: two hidden layers (one with an activation of its own, which keeps the stock path). */
    static ModelSpec head() {
        return create().add("flatten", flatten())
                .add("fc1", dense(12)).add("relu1", relu())
                .add("fc2", new LayerSpec.Dense(9, true, "tanh"))
                .add("fc3", dense(5))
                .build(3, 4, 4);
    }

    /** The same graph with DL4J's own dense and output layers, and the same parameters. */
    static ComputationGraph stock(ComputationGraph lean) {
        String json = lean.getConfiguration().toJson();
        assertThat(json).contains(LeanDense.class.getName()).contains(LeanOutput.class.getName());
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json
                .replace(LeanDense.class.getName(), org.deeplearning4j.nn.conf.layers.DenseLayer.class.getName())
                .replace(LeanOutput.class.getName(), org.deeplearning4j.nn.conf.layers.OutputLayer.class.getName()));
        ComputationGraph g = new ComputationGraph(conf);
        g.init(lean.params().dup(), true);
        assertThat(g.getLayer("fc1")).isNotInstanceOf(LeanDense.Impl.class);
        return g;
    }

    @Test
    void computesWhatDl4jsLayersCompute() {
        Network net = ModelCompiler.computationGraph().compile(head(),
                new CompileOptions(3, new Nesterovs(0.1, 0.9), 0.01, "NHWC", true));
        ComputationGraph lean = net.graph();
        ((LeanGraph) lean).trainWith(null);   // the layers themselves, not the oneDNN training step
        assertThat(lean.getLayer("fc1")).isInstanceOf(LeanDense.Impl.class);
        assertThat(lean.getLayer("fc3")).isInstanceOf(LeanOutput.Impl.class);
        ComputationGraph stock = stock(lean);

        INDArray x = GraphCompilerTest.random(5, 6, 4, 4, 3);
        INDArray y = GraphCompilerTest.oneHot(6, 5);
        Map<String, INDArray> gl = gradients(lean, x, y);
        Map<String, INDArray> gs = gradients(stock, x, y);
        assertThat(gl.keySet()).isEqualTo(gs.keySet()).contains("fc1_W", "fc1_b", "fc2_W", "fc3_W", "fc3_b");
        for (String k : gs.keySet()) assertThat(gl.get(k)).as(k).isEqualTo(gs.get(k));
        assertThat(lean.score()).isEqualTo(stock.score());
        LeanOutput.Impl out = (LeanOutput.Impl) lean.getLayer("fc3");
        assertThat(out.reusedPreOutputs()).as("by the score after the backward pass").isEqualTo(1);

        // training steps on alternating batches, then scores and outputs on other data
        INDArray x2 = GraphCompilerTest.random(6, 6, 4, 4, 3);
        for (int i = 0; i < 3; i++) {
            DataSet d = new DataSet(i % 2 == 0 ? x : x2, y);
            lean.fit(d);
            stock.fit(d);
            assertThat(lean.score()).as("step " + i).isCloseTo(stock.score(), within(1e-6));
        }
        assertClose(lean.params(), stock.params(), "params after three steps");
        INDArray x3 = GraphCompilerTest.random(7, 2, 4, 4, 3);
        DataSet other = new DataSet(x3, GraphCompilerTest.oneHot(2, 5));
        assertThat(out.reusedPreOutputs()).isEqualTo(1 + 3);
        assertThat(lean.score(other, false)).isCloseTo(stock.score(other, false), within(1e-6));
        assertThat(lean.score(other, true)).isCloseTo(stock.score(other, true), within(1e-6));
        assertClose(lean.outputSingle(x3), stock.outputSingle(x3), "outputs");
        assertThat(out.reusedPreOutputs()).as("a score without a backward pass computes its own").isEqualTo(4);
    }

    @Test
    void savedNetworksLoadWithTheLeanLayers() throws Exception {
        ComputationGraph lean = ModelCompiler.computationGraph().compile(head(),
                new CompileOptions(3, new Nesterovs(0.1, 0.9), 0.0, "NHWC", true)).graph();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(lean, bytes, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertThat(back.getLayer("fc1")).isInstanceOf(LeanDense.Impl.class);
        assertThat(back.getLayer("fc3")).isInstanceOf(LeanOutput.Impl.class);
        INDArray x = GraphCompilerTest.random(8, 3, 4, 4, 3);
        assertThat(back.outputSingle(x)).isEqualTo(lean.outputSingle(x));
    }

    private static void assertClose(INDArray a, INDArray b, String what) {
        double diff = Transforms.abs(a.sub(b)).maxNumber().doubleValue();
        assertThat(diff).as(what).isLessThanOrEqualTo(1e-6 * Math.max(1.0, b.amaxNumber().doubleValue()));
    }
}
