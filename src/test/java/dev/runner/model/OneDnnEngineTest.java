package dev.runner.model;

import dev.runner.spec.layers.LayerKinds;
import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.Concat;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Dropout;
import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.layers.Pool;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runner.model.onednn.OneDnnStep;
import dev.runner.spec.Experiment;
import dev.runner.spec.ExperimentLoader;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.lang.SpecException;
import dev.runner.train.TorchAdam;
import dev.runner.train.TorchSgd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The oneDNN engine computes what DL4J's plain layers compute, for every layer kind and option, in training and
 * inference, at any batch and image size; dropout is reproducible and resumes bit-identically; the engine is
 * decided in one place and a forced engine that cannot run a layer is refused naming it.
 */
class OneDnnEngineTest {
    private static boolean available() {
        return OneDnnStep.unavailable() == null;
    }

    /**
     * Every layer kind: convolutions with their own activation (relu, gelu) and "same" padding at stride 1 and 2,
     * one without bias, a dilated one; batch norm on maps and vectors, alone and with the ReLU after it fused; max
     * pooling with padding, average pooling with padding (counted in the divisor) and with "same"; an add of three
     * inputs (one used twice), a concat of three maps and one of two vectors; leaky ReLU, tanh, sigmoid, GELU,
     * ReLU; dropout on a map and on a vector; global max and average pooling, a flatten, dense layers with and
     * without an activation, and the logits scaled by a constant.
     */
    static ModelSpec everything() {
        TestSpecs t = create()
                .add("conv1", new Conv(8, new int[] {3, 3}, new int[] {1, 1}, null, new int[] {1, 1}, true,
                        "relu"))
                .add("bn1", bn())
                .add("pool1", TestSpecs.maxpool(3, 2, 1));
        String in = t.last();
        t.add("conv2", conv(8, 3, 1, 1, false)).add("bn2", bn()).add("relu2", relu())
                .addFrom("conv3", new Conv(8, new int[] {3, 3}, new int[] {1, 1}, new int[] {2, 2},
                        new int[] {2, 2}, true, null), in)
                .addFrom("sum", add(), "relu2", "conv3", in)
                .add("lrelu", new Activation("leaky_relu", 0.1))
                .add("drop1", new Dropout(0.3));
        String d = t.last();
        t.addFrom("b1", new Conv(4, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0},
                        new int[] {1, 1}, true, "gelu"), d)
                .addFrom("b2", new Conv(6, new int[] {3, 3}, new int[] {2, 2}, null, new int[] {1, 1},
                        false, null), d)
                .add("b2up", new Activation("tanh", 0))
                .addFrom("b3", new Pool("avg", new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}), d)
                .addFrom("cat", new Concat(), "b1", "b3", "b1")
                .add("pool2", new Pool("avg", new int[] {2, 2}, new int[] {2, 2}, null));
        String maps = t.last();
        t.add("gmp", new GlobalPool("max"))
                .addFrom("gap2", new GlobalPool("avg"), "b2up")
                .addFrom("flat", flatten(), maps)
                .add("fc1", new Dense(16, true, "sigmoid"))
                .addFrom("both", add(), "gmp", "fc1")
                .addFrom("vcat", new Concat(), "both", "gap2")
                .add("bn3", bn()).add("relu3", relu())
                .add("fc2", new Dense(12, false, "gelu"))
                .add("g", new Activation("gelu", 0))
                .add("r6", new Activation("relu6", 0))
                .add("hs", new Activation("hardswish", 0))
                .add("si", new Activation("silu", 0))
                .add("drop2", new Dropout(0.5))
                .add("fc", dense(5))
                .add("scaled", new dev.runner.spec.layers.Scale(1.0 / 9));
        return t.build(3, 13, 13);
    }

    private static Network compile(ModelSpec spec, String layout, String engine) {
        return compile(spec, layout, engine, new Sgd(0.05));
    }

    private static Network compile(ModelSpec spec, String layout, String engine, IUpdater updater) {
        return ModelCompiler.computationGraph().compile(spec, new CompileOptions(7, updater, 5e-4, layout, engine));
    }

    private static OneDnnStep step(Network n) {
        return ((EngineGraph) n.graph()).oneDnnStep();
    }

    @Test
    void theStepComputesWhatDl4jsLayersCompute() {
        assumeTrue(available(), "oneDNN step available");
        for (String layout : List.of("NCHW", "NHWC")) {
            Network fast = compile(everything(), layout, "onednn");
            Network plain = compile(everything(), layout, "dl4j");
            assertThat(fast.placement().engine()).isEqualTo("onednn");
            assertThat(plain.placement().engine()).isEqualTo("dl4j");
            assertThat(step(plain)).isNull();
            assertThat(step(fast).fusedRelus()).containsExactlyInAnyOrder("relu2", "relu3");
            assertThat(fast.graph().params()).isEqualTo(plain.graph().params());

            INDArray x = input(layout, 41, 6, 13, 13);
            INDArray y = GraphCompilerTest.oneHot(6, 5);
            Map<String, INDArray> gf = gradients(fast.graph(), x, y);
            double scoreFast = fast.graph().score();
            Map<String, INDArray> gp = gradients(plain.graph(), x, y);
            assertThat(fast.graph().score()).isNotEqualTo(0.0);
            assertThat(scoreFast).as(layout + " loss").isCloseTo(plain.graph().score(), within(1e-5));
            // every parameter's gradient, the running statistics' "gradients" (DL4J's update of them) included
            assertThat(gf.keySet()).isEqualTo(gp.keySet())
                    .contains("conv1_W", "conv1_b", "conv2_W", "conv3_W", "b1_W", "b2_W", "bn1_gamma", "bn1_beta",
                            "bn1_mean", "bn1_log10stdev", "bn3_gamma", "fc1_W", "fc2_W", "fc_b");
            for (String k : gf.keySet()) assertClose(gf.get(k), gp.get(k), 2e-4, layout + " gradient " + k);

            // training: the same parameters after steps of two batch sizes (two plans) and back
            int[] batches = {6, 6, 4, 6};
            for (int i = 0; i < batches.length; i++) {
                DataSet ds = new DataSet(input(layout, 50 + i, batches[i], 13, 13), GraphCompilerTest.oneHot(batches[i], 5));
                fast.fit(ds);
                plain.fit(ds);
                assertThat(fast.score()).as(layout + " score of step " + i).isCloseTo(plain.score(), within(1e-4));
                assertClose(fast.graph().params(), plain.graph().params(), 1e-4, layout + " params after step " + i);
            }
            // inference (the step's own plan, with the running statistics it updated; no dropout), two batch sizes
            assertClose(fast.output(x), plain.output(x), 1e-4, layout + " output");
            INDArray x3 = input(layout, 70, 3, 13, 13);
            assertClose(fast.output(x3), plain.output(x3), 1e-4, layout + " output, batch 3");
            assertThat(fast.output(x3)).isEqualTo(fast.output(x3));
            assertThat(fast.output(x3).sum(1).getDouble(0)).isCloseTo(1.0, within(1e-5));
        }
    }

    /** Convolutions of every padding mode at other strides and kernel shapes, and pools with padding, on odd sizes. */
    static ModelSpec convolutionsAndPools() {
        TestSpecs t = create()
                .add("c1", new Conv(8, new int[] {3, 5}, new int[] {2, 1}, null, new int[] {1, 1}, false,
                        "leaky_relu"))
                .add("c2", new Conv(8, new int[] {5, 5}, new int[] {1, 1}, new int[] {2, 2},
                        new int[] {1, 1}, true, "tanh"))
                .add("c3", new Conv(8, new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 1},
                        new int[] {2, 1}, true, "sigmoid"))
                .add("mp", TestSpecs.maxpool(2, 2, 1))
                .add("ap", new Pool("avg", new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}))
                .add("c4", new Conv(16, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0},
                        new int[] {1, 1}, true, null))
                .add("gap", TestSpecs.gap()).add("fc", dense(5));
        return t.build(3, 21, 19);
    }

    @Test
    void anyImageSizeAndBatchSizeTrainsOnTheStep() {
        assumeTrue(available(), "oneDNN step available");
        for (String layout : List.of("NCHW", "NHWC")) {
            Network fast = compile(convolutionsAndPools(), layout, "onednn");
            Network plain = compile(convolutionsAndPools(), layout, "dl4j");
            // the declared size, then others (the network ends in a global pool): each its own plan
            int[][] sizes = {{5, 21, 19}, {3, 17, 23}, {1, 9, 8}, {5, 21, 19}};
            for (int i = 0; i < sizes.length; i++) {
                int[] s = sizes[i];
                INDArray x = input(layout, 80 + i, s[0], s[1], s[2]);
                INDArray y = GraphCompilerTest.oneHot(s[0], 5);
                Map<String, INDArray> gf = gradients(fast.graph(), x, y);
                Map<String, INDArray> gp = gradients(plain.graph(), x, y);
                for (String k : gf.keySet()) assertClose(gf.get(k), gp.get(k), 2e-4, layout + " " + s[1] + "x" + s[2] + " " + k);
                fast.fit(new DataSet(x, y));
                plain.fit(new DataSet(x, y));
                assertClose(fast.graph().params(), plain.graph().params(), 1e-4, layout + " params, size " + i);
                assertClose(fast.output(x), plain.output(x), 1e-4, layout + " output, size " + i);
            }
        }
    }

    @Test
    void everyOptimizerUpdatesLikeOnDl4jsLayers() {
        assumeTrue(available(), "oneDNN step available");
        IUpdater[] updaters = {new TorchSgd(0.05, null, 0.9, 0, false), new TorchSgd(0.05, null, 0.9, 0, true),
                new TorchAdam(1e-2, null, 0.9, 0.999, 1e-8)};
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, true)).add("bn", bn()).add("relu", relu())
                .add("drop", new Dropout(0.2)).add("flat", flatten())
                .add("fc1", new Dense(16, true, "gelu")).add("fc", dense(3)).build(2, 6, 6);
        for (IUpdater u : updaters) {
            Network fast = compile(spec, "NHWC", "onednn", u);
            Network plain = compile(spec, "NHWC", "dl4j", u.clone());
            for (int i = 0; i < 4; i++) {
                DataSet ds = new DataSet(input("NHWC", 90 + i, 5, 2, 6, 6), GraphCompilerTest.oneHot(5, 3));
                fast.fit(ds);
                plain.fit(ds);
            }
            assertClose(fast.graph().params(), plain.graph().params(), 2e-4, u + " params after 4 steps");
            assertClose(fast.graph().getUpdater().getStateViewArray(), plain.graph().getUpdater().getStateViewArray(),
                    2e-4, u + " updater state");
        }
    }

    @Test
    void sameSeedSameDataSameNumbersDropoutIncluded() {
        assumeTrue(available(), "oneDNN step available");
        for (String engine : List.of("onednn", "dl4j")) {
            INDArray[] params = new INDArray[2];
            for (int run = 0; run < 2; run++) {
                Network net = compile(everything(), "NHWC", engine);
                for (int i = 0; i < 3; i++) {
                    net.fit(new DataSet(input("NHWC", 60 + i, 6, 13, 13), GraphCompilerTest.oneHot(6, 5)));
                }
                params[run] = net.graph().params().dup();
            }
            assertThat(params[1]).as(engine).isEqualTo(params[0]);
        }
    }

    @Test
    void aResumedRunDropsTheSameElementsAndLandsOnTheSameBits() throws Exception {
        assumeTrue(available(), "oneDNN step available");
        ModelSpec spec = create().add("conv", conv(6, 3, 1, 1, true)).add("relu", relu())
                .add("drop", new Dropout(0.5)).add("flat", flatten())
                .add("fc1", new Dense(32, true, "gelu")).add("drop2", new Dropout(0.25))
                .add("fc", dense(4)).build(3, 8, 8);
        IUpdater adam = new TorchAdam(1e-2, null, 0.9, 0.999, 1e-8);
        for (String engine : List.of("onednn", "dl4j")) {
            CompileOptions o = new CompileOptions(11, adam, 0.0, "NHWC", engine);
            Network straight = ModelCompiler.computationGraph().compile(spec, o);
            Network first = ModelCompiler.computationGraph().compile(spec, o);
            for (int i = 0; i < 6; i++) {
                DataSet ds = new DataSet(input("NHWC", 100 + i, 4, 8, 8), GraphCompilerTest.oneHot(4, 4));
                straight.fit(ds);
                if (i < 3) first.fit(ds);
            }
            // a checkpoint after 3 steps, restored into a fresh process's network (and a fresh engine)
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ModelSerializer.writeModel(first.graph(), bytes, true);
            ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
            Network resumed = Networks.restore(spec, o, back);
            assertThat(resumed.placement().engine()).isEqualTo(engine);
            for (int i = 3; i < 6; i++) {
                resumed.fit(new DataSet(input("NHWC", 100 + i, 4, 8, 8), GraphCompilerTest.oneHot(4, 4)));
            }
            assertThat(resumed.graph().params()).as(engine).isEqualTo(straight.graph().params());
        }
    }

    @Test
    void dropoutHasPytorchsSemantics() {
        assumeTrue(available(), "oneDNN step available");
        // the mask: 0 or 1/(1-p), about 1-p of the elements kept, in PyTorch's logical order whatever the layout
        INDArray ones = org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 5, 6, 3);
        INDArray masked = new SeededDropout(0.3, 5, "d", true).applyDropout(ones, ones.dup(), 7, 0, null);
        long kept = masked.neq(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
        assertThat((double) kept / ones.length()).isCloseTo(0.7, within(0.05));
        assertThat(masked.maxNumber().doubleValue()).isCloseTo(1 / 0.7, within(1e-6));
        assertThat(masked.sumNumber().doubleValue()).isCloseTo(kept / 0.7, within(1e-2));
        INDArray nchw = new SeededDropout(0.3, 5, "d", false).applyDropout(ones.permute(0, 3, 1, 2).dup('c'),
                ones.permute(0, 3, 1, 2).dup('c'), 7, 0, null);
        assertThat(masked.permute(0, 3, 1, 2)).isEqualTo(nchw);
        INDArray next = new SeededDropout(0.3, 5, "d", true).applyDropout(ones, ones.dup(), 8, 0, null);
        assertThat(next).as("the next iteration's mask").isNotEqualTo(masked);

        // through a network: both engines drop the same units, each step others; evaluation is the identity
        ModelSpec spec = create().add("flat", flatten()).add("fc1", new Dense(2000, true, null))
                .add("drop", new Dropout(0.3)).add("fc", dense(2)).build(1, 1, 1);
        Network net = compile(spec, "NHWC", "onednn");
        Network ref = compile(spec, "NHWC", "dl4j");
        INDArray x = org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 1, 1, 1);
        INDArray y = GraphCompilerTest.oneHot(8, 2);
        INDArray g0 = gradients(net.graph(), x, y).get("fc_W");
        INDArray r0 = gradients(ref.graph(), x, y).get("fc_W");
        assertClose(g0, r0, 1e-5, "fc gradient through the same mask");
        net.fit(new DataSet(x, y));   // next iteration: another mask
        INDArray g1 = gradients(net.graph(), x, y).get("fc_W");
        assertThat(g1).isNotEqualTo(g0);
        ModelSpec without = create().add("flat", flatten()).add("fc1", new Dense(2000, true, null))
                .add("fc", dense(2)).build(1, 1, 1);
        Network plainNet = compile(without, "NHWC", "onednn");
        plainNet.graph().setParams(net.graph().params());
        assertThat(net.output(x)).isEqualTo(plainNet.output(x));
    }

    @Test
    void theReportsNetworksTrainOnTheStep() throws Exception {
        assumeTrue(available(), "oneDNN step available");
        for (String file : List.of("origin.yaml", "resnet9.yaml", "resnet9_aug.yaml", "resnet9_lrfind.yaml")) {
            Experiment e = ExperimentLoader.load(Path.of("experiments", file));
            Network net = ModelCompiler.computationGraph().compile(e.model(), CompileOptions.defaults(e.seed(), new Sgd(0.01)));
            assertThat(net.placement()).as(file).isEqualTo(new Placement("onednn", "cpu", "auto: the oneDNN step on the CPU"));
            // ResNet9: the stem's and each block's first batch norm + ReLU (the second ReLU follows the add)
            assertThat(step(net).fusedRelus()).as(file).hasSize(file.startsWith("resnet9") ? 5 : 0);
        }
        Experiment e = ExperimentLoader.load(Path.of("experiments", "origin.yaml"));
        Network net = ModelCompiler.computationGraph().compile(e.model(), CompileOptions.defaults(e.seed(), new Sgd(0.01)));
        INDArray before = net.graph().params().dup();
        net.fit(new DataSet(input(net.layout(), 3, 4, 32, 32), GraphCompilerTest.oneHot(4, 10)));
        assertThat(net.graph().params()).isNotEqualTo(before);
        assertThat(net.score()).isBetween(1.5, 3.5); // about ln 10 for an untrained 10-class network
    }

    @Test
    void theEngineIsDecidedInOnePlaceAndAForcedOneThatCannotRunALayerIsRefusedNamingIt() {
        ModelSpec spec = everything();
        // what the step refuses with an emitter missing: the first layer of that kind, with its position
        java.util.Set<String> kinds = new java.util.HashSet<>(dev.runner.model.onednn.Emitters.kinds());
        kinds.remove("concat");
        OneDnnStep.Refusal r = OneDnnStep.refusal(spec, kinds);
        assertThat(r.node().name()).isEqualTo("cat");
        assertThatThrownBy(() -> Placement.decide("onednn", "cpu", null, r)).isInstanceOf(SpecException.class)
                .hasMessageContaining("test.yaml:" + r.node().pos().line() + ":5")
                .hasMessageContaining("cat: engine onednn cannot run this layer: the oneDNN step has no emitter for concat");
        assertThat(Placement.decide("auto", "cpu", null, r))
                .isEqualTo(new Placement("dl4j", "cpu", "auto: cat: the oneDNN step has no emitter for concat"));
        assertThat(Placement.decide("auto", "cpu", null, null).engine()).isEqualTo("onednn");
        assertThat(Placement.decide("auto", "cuda", null, null))
                .isEqualTo(new Placement("dl4j", "cuda", "auto: DL4J's layers on cuda"));
        assertThat(Placement.decide("dl4j", "cpu", null, null).engine()).isEqualTo("dl4j");
        assertThatThrownBy(() -> Placement.decide("onednn", "cuda", "the oneDNN step runs on the CPU, and ND4J runs on CUDA", null))
                .isInstanceOf(dev.runner.UserError.class).hasMessageContaining("engine onednn cannot run here");
        // and every layer kind has an emitter: nothing is refused
        assertThat(OneDnnStep.refusal(spec)).isNull();
    }

    @Test
    void everyLayerKindHasADl4jCompilerAndAOneDnnEmitter() {
        assertThat(LayerCompilers.BY_KIND.keySet()).containsExactlyInAnyOrderElementsOf(LayerKinds.NAMES);
        assertThat(dev.runner.model.onednn.Emitters.kinds()).containsExactlyInAnyOrderElementsOf(LayerKinds.NAMES);
    }

    @Test
    void relu6HardswishAndSiluArePyTorchsOnDl4j() {
        // torch.nn.ReLU6 / Hardswish / SiLU at [-4, -1, 0.5, 1, 2, 7], and their derivatives (autograd)
        float[] xs = {-4, -1, 0.5f, 1, 2, 7};
        double[][] want = {
                {0, 0, 0.5, 1, 2, 6},
                {0, -1.0 / 3, 0.5 * 3.5 / 6, 4.0 / 6, 10.0 / 6, 7},
                {-0.07194484, -0.26894142, 0.31122967, 0.73105858, 1.76159416, 6.99362264}};
        double[][] dwant = {
                {0, 0, 1, 1, 1, 0},
                {0, 1.0 / 6, 0.5 / 3 + 0.5, 1.0 / 3 + 0.5, 2.0 / 3 + 0.5, 1},
                {-0.05266461, 0.07232949, 0.73996119, 0.92767051, 1.09078425, 1.00546050}};
        String[] kinds = {"relu6", "hardswish", "silu"};
        for (int k = 0; k < kinds.length; k++) {
            var f = LayerCompilers.activation(null, kinds[k], 0);
            INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(xs);
            INDArray out = f.getActivation(x.dup(), true);
            INDArray grad = f.backprop(x.dup(), org.nd4j.linalg.factory.Nd4j.onesLike(x)).getFirst();
            for (int i = 0; i < xs.length; i++) {
                assertThat(out.getDouble(i)).as(kinds[k] + "(" + xs[i] + ")").isCloseTo(want[k][i], within(1e-6));
                assertThat(grad.getDouble(i)).as(kinds[k] + "'(" + xs[i] + ")").isCloseTo(dwant[k][i], within(1e-6));
            }
        }
    }

    @Test
    void geluIsTheExactErfOneOnBothEngines() {
        // torch.nn.GELU()(torch.tensor([-2., -0.5, 0., 1., 3.])), and its derivative Φ(x) + x·φ(x)
        double[] xs = {-2, -0.5, 0, 1, 3};
        double[] want = {-0.04550026, -0.15426877, 0.0, 0.84134475, 2.99595031};
        double[] dwant = {-0.08523180, 0.13250488, 0.5, 1.08331547, 1.01194565};
        INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[] {-2, -0.5f, 0, 1, 3});
        INDArray out = new ErfGelu().getActivation(x.dup(), true);
        INDArray grad = new ErfGelu().backprop(x.dup(), org.nd4j.linalg.factory.Nd4j.onesLike(x)).getFirst();
        for (int i = 0; i < xs.length; i++) {
            assertThat(out.getDouble(i)).as("gelu(" + xs[i] + ")").isCloseTo(want[i], within(1e-6));
            assertThat(grad.getDouble(i)).as("gelu'(" + xs[i] + ")").isCloseTo(dwant[i], within(1e-6));
        }
    }

    /**
     * A concat's output is laid out as this CPU's convolutions read maps (blocked by 16 channels on AVX-512, by 8
     * on AVX2), so the max pooling and batch norm after it have oneDNN's fast kernels: blocked by 16 on an AVX2 CPU
     * they ran its reference code, and bench/networks/branches.yaml trained 3 times slower. Its inputs fill blocks
     * of 8 and of 16 (16 + 32 + 16 channels); a network trained and evaluated in either layout runs no reference
     * kernel on the CPU the test runs on.
     */
    @Test
    void aConcatIsLaidOutForThisCpusKernels() {
        assumeTrue(available(), "oneDNN step available");
        TestSpecs t = create().add("stem", conv(16, 3, 1, 1, false)).add("bn1", bn()).add("relu1", relu());
        t.addFrom("a", conv(16, 1, 1, 0, true), "relu1").addFrom("b", conv(32, 3, 1, 1, true), "relu1")
                .addFrom("p", TestSpecs.maxpool(3, 1, 1), "relu1").add("c", conv(16, 1, 1, 0, true))
                .addFrom("cat", new Concat(), "a", "b", "c")
                .add("pool", TestSpecs.maxpool(2, 2, 0)).add("bn2", bn()).add("relu2", relu())
                .add("d", conv(16, 3, 1, 1, false)).add("gap", new GlobalPool("avg")).add("fc", dense(5));
        ModelSpec spec = t.build(3, 12, 12);
        for (String layout : List.of("NCHW", "NHWC")) {
            Network net = compile(spec, layout, "onednn");
            assertThat(net.placement().engine()).isEqualTo("onednn");
            net.fit(new DataSet(input(layout, 3, 8, 12, 12), GraphCompilerTest.oneHot(8, 5)));
            assertThat(net.output(input(layout, 4, 8, 12, 12)).sumNumber().doubleValue()).isCloseTo(8, within(1e-4));
            assertThat(net.slowKernels()).as(layout).isNotNull().isEmpty();
        }
        assertThat(compile(spec, "NHWC", "dl4j").slowKernels()).isNull();
    }

    /**
     * The slow-kernel report names a primitive that runs oneDNN's generic code: batch norm on 36 channels after a
     * concat (24 + 12: no block of 16 filled) runs {@code nspc_bnorm:any} or {@code ncsp_bnorm:any}, about 10 times
     * slower than {@code bnorm_jit} (issue 27's DenseNet-style network), and the report says so.
     */
    @Test
    void theReportNamesABatchNormOnGenericCode() {
        assumeTrue(available(), "oneDNN step available");
        TestSpecs t = create().add("stem", conv(12, 3, 1, 1, true)).add("relu1", relu());
        t.addFrom("a", conv(24, 3, 1, 1, true), "relu1").addFrom("b", conv(12, 1, 1, 0, true), "relu1")
                .addFrom("cat", new Concat(), "a", "b").add("bn", bn()).add("relu2", relu())
                .add("gap", new GlobalPool("avg")).add("fc", dense(5));
        ModelSpec spec = t.build(3, 8, 8);
        Network net = compile(spec, "NHWC", "onednn");
        net.fit(new DataSet(input("NHWC", 3, 4, 8, 8), GraphCompilerTest.oneHot(4, 5)));
        assertThat(net.slowKernels()).anyMatch(k -> k.startsWith("bn: batch_normalization_forward (")
                && k.endsWith("bnorm:any)")).anyMatch(k -> k.startsWith("bn: batch_normalization_backward ("));
    }

    private static INDArray input(String layout, long seed, int batch, int h, int w) {
        return input(layout, seed, batch, 3, h, w);
    }

    private static INDArray input(String layout, long seed, int batch, int c, int h, int w) {
        INDArray x = GraphCompilerTest.random(seed, batch, c, h, w);
        return layout.equals("NHWC") ? GraphCompilerTest.nhwc(x) : x;
    }
}
