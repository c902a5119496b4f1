package dev.runner.model;

import static dev.runner.model.GraphChecks.assertClose;
import static dev.runner.model.GraphChecks.gradients;
import static dev.runner.model.TestSpecs.add;
import static dev.runner.model.TestSpecs.bn;
import static dev.runner.model.TestSpecs.conv;
import static dev.runner.model.TestSpecs.create;
import static dev.runner.model.TestSpecs.dense;
import static dev.runner.model.TestSpecs.flatten;
import static dev.runner.model.TestSpecs.relu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.spec.LayerSpec;
import dev.runner.spec.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The oneDNN step (training and inference) computes what DL4J's layers compute, and is the path the report's
 * networks train on.
 */
class DnnlTrainingStepTest {
    /**
     * Everything the step runs: a convolution with its own activation and "same" padding, one without bias, a
     * dilated one; batch norm on feature maps and on vectors, alone and with the ReLU after it fused; max pooling with padding, average pooling with
     * "same"; an add of three inputs (one of them used twice); leaky ReLU, tanh, sigmoid and ReLU; global max
     * pooling, a flatten, dense layers with and without an activation.
     */
    static ModelSpec everything() {
        TestSpecs t = create()
                .add("conv1", new LayerSpec.Conv(8, new int[] {3, 3}, new int[] {1, 1}, null, new int[] {1, 1}, true,
                        "relu"))
                .add("bn1", bn())
                .add("pool1", TestSpecs.maxpool(3, 2, 1));
        String in = t.last();
        t.add("conv2", conv(8, 3, 1, 1, false)).add("bn2", bn()).add("relu2", relu())
                .addFrom("conv3", new LayerSpec.Conv(8, new int[] {3, 3}, new int[] {1, 1}, new int[] {2, 2},
                        new int[] {2, 2}, true, null), in)
                .addFrom("sum", add(), "relu2", "conv3", in)
                .add("lrelu", new LayerSpec.Activation("leaky_relu", 0.1))
                .add("tanh", new LayerSpec.Activation("tanh", 0))
                .add("pool2", new LayerSpec.Pool("avg", new int[] {2, 2}, new int[] {2, 2}, null));
        String maps = t.last();
        t.add("gmp", new LayerSpec.GlobalPool("max"))
                .addFrom("flat", flatten(), maps)
                .add("fc1", new LayerSpec.Dense(8, true, "sigmoid"))
                .addFrom("both", add(), "gmp", "fc1")
                .add("bn3", bn()).add("relu3", relu())
                .add("fc", dense(5));
        return t.build(3, 13, 13);
    }

    private static Network compile(ModelSpec spec, String layout, boolean oneDnn) {
        return ModelCompiler.computationGraph().compile(spec, new CompileOptions(7, new Sgd(0.05), 5e-4, layout, oneDnn));
    }

    @Test
    void theStepComputesWhatDl4jsLayersCompute() {
        assumeTrue(Backend.oneDnnCompiledIn() && DnnlTrainingStep.enabled(), "CPU build with oneDNN");
        for (String layout : List.of("NCHW", "NHWC")) {
            Network fast = compile(everything(), layout, true);
            Network plain = compile(everything(), layout, false);
            assertThat(((GraphNetwork) fast).trainsWithOneDnn()).as(layout).isTrue();
            assertThat(((GraphNetwork) plain).trainsWithOneDnn()).as(layout).isFalse();
            assertThat(((LeanGraph) fast.graph()).trainingStep().fusedRelus()).containsExactlyInAnyOrder("relu2", "relu3");
            assertThat(fast.graph().params()).isEqualTo(plain.graph().params());

            INDArray x = input(layout, 41, 6);
            INDArray y = GraphCompilerTest.oneHot(6, 5);
            Map<String, INDArray> gf = gradients(fast.graph(), x, y);
            double scoreFast = fast.graph().score();
            Map<String, INDArray> gp = gradients(plain.graph(), x, y);
            assertThat(fast.graph().score()).isNotEqualTo(0.0);
            assertThat(scoreFast).as(layout + " loss").isCloseTo(plain.graph().score(), within(1e-5));
            // every parameter's gradient, the running statistics' "gradients" (DL4J's update of them) included
            assertThat(gf.keySet()).isEqualTo(gp.keySet())
                    .contains("conv1_W", "conv1_b", "conv2_W", "conv3_W", "bn1_gamma", "bn1_beta", "bn1_mean",
                            "bn1_log10stdev", "bn3_gamma", "fc1_W", "fc_b");
            for (String k : gf.keySet()) assertClose(gf.get(k), gp.get(k), 2e-4, layout + " gradient " + k);

            // training: the same parameters after steps of two batch sizes (two plans) and back
            int[] batches = {6, 6, 4, 6};
            for (int i = 0; i < batches.length; i++) {
                DataSet d = new DataSet(input(layout, 50 + i, batches[i]), GraphCompilerTest.oneHot(batches[i], 5));
                fast.fit(d);
                plain.fit(d);
                assertThat(fast.score()).as(layout + " score of step " + i).isCloseTo(plain.score(), within(1e-4));
                assertClose(fast.graph().params(), plain.graph().params(), 1e-4, layout + " params after step " + i);
            }
            // inference (the step's own plan, with the running statistics it updated), at two batch sizes
            assertClose(fast.output(x), plain.output(x), 1e-4, layout + " output");
            INDArray x3 = input(layout, 70, 3);
            assertClose(fast.output(x3), plain.output(x3), 1e-4, layout + " output, batch 3");
            assertThat(fast.output(x3).sum(1).getDouble(0)).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void sameSeedSameDataSameNumbers() {
        assumeTrue(Backend.oneDnnCompiledIn() && DnnlTrainingStep.enabled(), "CPU build with oneDNN");
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            Network net = compile(everything(), "NHWC", true);
            for (int i = 0; i < 3; i++) {
                net.fit(new DataSet(input("NHWC", 60 + i, 6), GraphCompilerTest.oneHot(6, 5)));
            }
            params[run] = net.graph().params().dup();
        }
        assertThat(params[1]).isEqualTo(params[0]);
    }

    @Test
    void theReportsNetworksTrainOnTheStep() throws Exception {
        assumeTrue(Backend.oneDnnCompiledIn() && DnnlTrainingStep.enabled(), "CPU build with oneDNN");
        for (String file : List.of("origin.yaml", "resnet9.yaml", "resnet9_aug.yaml", "resnet9_lrfind.yaml")) {
            Experiment e = ExperimentLoader.load(Path.of("experiments", file));
            Network net = ModelCompiler.computationGraph().compile(e.model(), CompileOptions.defaults(e.seed(), new Sgd(0.01)));
            assertThat(((GraphNetwork) net).trainsWithOneDnn()).as(file).isTrue();
            assertThat(net.trainingPath()).as(file).isEqualTo("onednn");
            // ResNet9: the stem's and each block's first batch norm + ReLU (the second ReLU follows the add)
            assertThat(((LeanGraph) net.graph()).trainingStep().fusedRelus()).as(file)
                    .hasSize(file.startsWith("resnet9") ? 5 : 0);
        }
        // and the step really runs: one batch of the tutorial CNN
        Experiment e = ExperimentLoader.load(Path.of("experiments", "origin.yaml"));
        Network net = ModelCompiler.computationGraph().compile(e.model(), CompileOptions.defaults(e.seed(), new Sgd(0.01)));
        INDArray before = net.graph().params().dup();
        net.fit(new DataSet(input(net.layout(), 3, 4, 3, 32, 32), GraphCompilerTest.oneHot(4, 10)));
        assertThat(((LeanGraph) net.graph()).trainingStep().unsupportedBy()).isNull();
        assertThat(net.graph().params()).isNotEqualTo(before);
        assertThat(net.score()).isBetween(1.5, 3.5); // about ln 10 for an untrained 10-class network
    }

    @Test
    void aGraphWithSomethingElseTrainsOnDl4jsLayers() {
        ModelSpec withDropout = create().add("conv1", conv(4, 3, 1, 1, true)).add("relu1", relu())
                .add("drop", new LayerSpec.Dropout(0.5)).add("gap", TestSpecs.gap()).add("fc", dense(5))
                .build(3, 8, 8);
        Network net = compile(withDropout, "NHWC", true);
        assertThat(((GraphNetwork) net).trainsWithOneDnn()).isFalse();
        assertThat(net.trainingPath()).isEqualTo("dl4j: drop: dropout");
        INDArray before = net.graph().params().dup();
        net.fit(new DataSet(input("NHWC", 5, 4, 3, 8, 8), GraphCompilerTest.oneHot(4, 5)));
        assertThat(net.graph().params()).isNotEqualTo(before);

        // a batch of another image size (fine for a network ending in a global pool) is not one the step was
        // built for: DL4J's layers train on it, and the step stays in use for the right size
        Network net2 = compile(create().add("conv1", conv(4, 3, 1, 1, true)).add("gap", TestSpecs.gap())
                .add("fc", dense(5)).build(3, 8, 8), "NCHW", true);
        assertThat(net2.trainingPath()).isEqualTo("onednn");
        INDArray p0 = net2.graph().params().dup();
        net2.fit(new DataSet(input("NCHW", 6, 4, 3, 10, 10), GraphCompilerTest.oneHot(4, 5)));
        assertThat(net2.graph().params()).isNotEqualTo(p0);
        assertThat(((LeanGraph) net2.graph()).trainingStep().accepts(input("NCHW", 6, 4, 3, 10, 10))).isFalse();
        assertThat(((LeanGraph) net2.graph()).trainingStep().accepts(input("NCHW", 6, 4, 3, 8, 8))).isTrue();
        assertThat(net2.trainingPath()).isEqualTo("onednn");
    }

    private static INDArray input(String layout, long seed, int batch) {
        return input(layout, seed, batch, 3, 13, 13);
    }

    private static INDArray input(String layout, long seed, int batch, int c, int h, int w) {
        INDArray x = GraphCompilerTest.random(seed, batch, c, h, w);
        return layout.equals("NHWC") ? GraphCompilerTest.nhwc(x) : x;
    }
}
