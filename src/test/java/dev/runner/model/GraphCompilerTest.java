package dev.runner.model;

import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Concat;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Dropout;
import static dev.runner.model.TestSpecs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.lang.SpecException;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.learning.config.Sgd;

class GraphCompilerTest {
    private static final ModelCompiler COMPILER = ModelCompiler.computationGraph();

    static Network compile(ModelSpec spec, String layout) {
        return COMPILER.compile(spec, new CompileOptions(42, new Sgd(0.01), 0, layout));
    }

    static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    static INDArray nhwc(INDArray nchw) {
        return nchw.permute(0, 2, 3, 1).dup('c');
    }

    static INDArray oneHot(int batch, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, classes);
        for (int i = 0; i < batch; i++) y.putScalar(i, (i * 7) % classes, 1.0);
        return y;
    }

    @Test
    void resnet9HasPytorchsParameterCountAndShapes() {
        Network net = compile(resnet9(), "NHWC");
        assertThat(net.trainableParams()).isEqualTo(4_903_242L);
        Map<String, Network.LayerRow> rows = new java.util.HashMap<>();
        for (Network.LayerRow r : net.summary()) rows.put(r.name(), r);
        assertThat(rows.get("conv1").params()).isEqualTo(64 * 3 * 9);
        assertThat(rows.get("bn1").params()).isEqualTo(128);
        assertThat(rows.get("maxpool").outputShape()).containsExactly(64, 16, 16);
        assertThat(rows.get("layer2.0.conv1").outputShape()).containsExactly(128, 8, 8);
        assertThat(rows.get("layer4.0.add").outputShape()).containsExactly(512, 2, 2);
        assertThat(rows.get("layer4.0.shortcut.0").params()).isEqualTo(256 * 512);
        assertThat(rows.get("avgpool").outputShape()).containsExactly(512);
        Network.LayerRow last = net.summary().get(net.summary().size() - 1);
        assertThat(last.name()).isEqualTo("fc");
        assertThat(last.outputShape()).containsExactly(10);
        assertThat(last.params()).isEqualTo(512 * 10 + 10);
        // DL4J stores the batch-norm running mean and variance as parameters: 2 per channel on top.
        long bnChannels = net.summary().stream().filter(r -> r.type().equals("batchnorm"))
                .mapToLong(r -> r.outputShape()[0]).sum();
        assertThat(net.graph().numParams()).isEqualTo(4_903_242L + 2 * bnChannels);

        INDArray out = net.output(random(1, 2, 32, 32, 3));
        assertThat(out.shape()).containsExactly(2, 10);
        for (int i = 0; i < 2; i++) assertThat(out.getRow(i).sumNumber().doubleValue()).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void tutorialCnnHas62006ParamsAndA400WideFlatten() {
        for (String layout : List.of("NCHW", "NHWC")) {
            Network net = compile(tutorialCnn(), layout);
            assertThat(net.trainableParams()).isEqualTo(62_006L);
            Network.LayerRow flatten = net.summary().stream().filter(r -> r.name().equals("flatten")).findFirst()
                    .orElseThrow();
            assertThat(flatten.outputShape()).containsExactly(400);
            assertThat(flatten.params()).isZero();
            INDArray x = random(2, 4, 3, 32, 32);
            INDArray in = layout.equals("NHWC") ? nhwc(x) : x;
            INDArray out = net.output(in);
            assertThat(out.shape()).containsExactly(4, 10);
            INDArray sums = out.sum(1);
            for (int i = 0; i < 4; i++) assertThat(sums.getDouble(i)).isCloseTo(1.0, within(1e-5));
            Map<String, INDArray> acts = net.activations(List.of("conv1", "flatten"), in);
            assertThat(acts.get("conv1").shape()).containsExactly(4, 6, 28, 28); // PyTorch order in both layouts
            // conv1 is followed by relu1, which DL4J applies in place in inference: the feature map must be conv1's
            assertThat(acts.get("conv1").minNumber().doubleValue()).isLessThan(0);
            INDArray relu1 = net.activations(List.of("relu1"), in).get("relu1");
            assertThat(relu1.equalsWithEps(org.nd4j.linalg.ops.transforms.Transforms.relu(acts.get("conv1"), true), 1e-6))
                    .isTrue();
            assertThat(acts.get("flatten").shape()).containsExactly(4, 400);
        }
    }

    @Test
    void nhwcComputesWhatNchwComputesIncludingFlattenOrder() {
        Network a = compile(tutorialCnn(), "NCHW");
        Network b = compile(tutorialCnn(), "NHWC");
        assertThat(b.graph().params()).isEqualTo(a.graph().params()); // same seed, same weights
        INDArray x = random(3, 3, 3, 32, 32);
        Map<String, INDArray> fa = a.activations(List.of("conv2", "flatten"), x);
        Map<String, INDArray> fb = b.activations(List.of("conv2", "flatten"), nhwc(x));
        assertThat(fb.get("conv2").equalsWithEps(fa.get("conv2"), 1e-4)).isTrue();
        // torch.flatten order (C, H, W): element [c=1, h=2, w=3] of conv2's 16x5x5 output pooled to 5x5
        INDArray pooled = a.activations(List.of("pool2"), x).get("pool2");
        assertThat(fb.get("flatten").getDouble(0, 1 * 25 + 2 * 5 + 3)).isCloseTo(pooled.getDouble(0, 1, 2, 3),
                within(1e-5));
        assertThat(fb.get("flatten").equalsWithEps(fa.get("flatten"), 1e-4)).isTrue();
        assertThat(b.output(nhwc(x)).equalsWithEps(a.output(x), 1e-5)).isTrue();

        // batch norm, residual add, average and global pooling, and a training step, in both layouts
        ModelSpec small = BackendTest.small();
        Network c = COMPILER.compile(small, new CompileOptions(5, new Sgd(0.1), 0.01, "NCHW"));
        Network d = COMPILER.compile(small, new CompileOptions(5, new Sgd(0.1), 0.01, "NHWC"));
        INDArray z = random(9, 4, 3, 12, 12);
        assertThat(d.output(nhwc(z)).equalsWithEps(c.output(z), 1e-5)).isTrue();
        INDArray y = oneHot(4, 5);
        c.fit(new DataSet(z, y));
        d.fit(new DataSet(nhwc(z), y));
        assertThat(d.score()).isCloseTo(c.score(), within(1e-5));
        assertThat(d.graph().params().equalsWithEps(c.graph().params(), 1e-5)).isTrue();
        assertThat(d.activations(List.of("add"), nhwc(z)).get("add")
                .equalsWithEps(c.activations(List.of("add"), z).get("add"), 1e-4)).isTrue();
    }

    @Test
    void pytorchInitIsUniformInPlusMinusOneOverSqrtFanInAndSeeded() {
        Network net = compile(tutorialCnn(), "NCHW");
        ComputationGraph g = net.graph();
        double bound = 1 / Math.sqrt(6 * 25);
        INDArray w = g.getLayer("conv2").getParam("W");
        INDArray bias = g.getLayer("conv2").getParam("b");
        assertThat(w.maxNumber().doubleValue()).isLessThanOrEqualTo(bound).isGreaterThan(0.9 * bound);
        assertThat(w.minNumber().doubleValue()).isGreaterThanOrEqualTo(-bound).isLessThan(-0.9 * bound);
        assertThat(w.stdNumber().doubleValue()).isCloseTo(bound / Math.sqrt(3), within(0.05 * bound));
        assertThat(bias.maxNumber().doubleValue()).isLessThanOrEqualTo(bound);
        assertThat(bias.minNumber().doubleValue()).isGreaterThanOrEqualTo(-bound);
        assertThat(bias.norm1Number().doubleValue()).isGreaterThan(0); // not DL4J's zero bias
        INDArray fc = g.getLayer("fc1").getParam("W");
        assertThat(fc.amaxNumber().doubleValue()).isLessThanOrEqualTo(1 / Math.sqrt(400));

        Network same = compile(tutorialCnn(), "NCHW");
        assertThat(same.graph().params()).isEqualTo(g.params());
        Network other = COMPILER.compile(tutorialCnn(), new CompileOptions(43, new Sgd(0.01), 0, "NCHW"));
        assertThat(other.graph().params()).isNotEqualTo(g.params());

        Network rn = compile(resnet9(), "NCHW");
        assertThat(rn.graph().getLayer("bn1").getParam("gamma").minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(rn.graph().getLayer("bn1").getParam("beta").amaxNumber().doubleValue()).isEqualTo(0.0);
    }

    @Test
    void batchNormMomentumAndEpsFollowPytorch() {
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, false)).add("bn", new BatchNorm(1e-3, 0.25))
                .add("gap", gap()).add("fc", dense(3)).build(2, 6, 6);
        Network net = compile(spec, "NCHW");
        BatchNormalization conf = (BatchNormalization) net.graph().getLayer("bn").conf().getLayer();
        assertThat(conf.getDecay()).isCloseTo(0.75, within(1e-12));
        assertThat(conf.getEps()).isCloseTo(1e-3, within(1e-15));
        // After one training step on a batch, running mean = 0.75 * 0 + 0.25 * batch mean (PyTorch).
        INDArray x = random(4, 8, 2, 6, 6);
        INDArray convOut = net.activations(List.of("conv"), x).get("conv");
        INDArray batchMean = convOut.mean(0, 2, 3);
        net.fit(new DataSet(x, oneHot(8, 3)));
        INDArray running = net.graph().getLayer("bn").getParam("mean");
        assertThat(running.reshape(4).equalsWithEps(batchMean.mul(0.25).reshape(4), 1e-5)).isTrue();
    }

    @Test
    void dropoutPIsTheDropProbability() {
        ModelSpec spec = create().add("fc1", dense(4000)).add("drop", new Dropout(0.25))
                .add("fc2", dense(2)).build(1, 1, 1);
        ModelSpec flat = create().add("flatten", flatten()).add("fc1", new Dense(4000, true, "relu"))
                .add("drop", new Dropout(0.25)).add("fc2", dense(2)).build(1, 1, 1);
        assertThatThrownBy(() -> compile(spec, "NCHW")).isInstanceOf(SpecException.class);
        Network net = compile(flat, "NCHW");
        INDArray x = Nd4j.ones(DataType.FLOAT, 1, 1, 1, 1);
        INDArray before = net.activations(List.of("fc1"), x).get("fc1");
        INDArray after = net.graph().feedForward(new INDArray[] {x}, true).get("drop");
        long kept = 0;
        long positive = 0;
        for (long i = 0; i < before.length(); i++) {
            double b = before.getDouble(0, i);
            if (b <= 0) continue;
            positive++;
            double a = after.getDouble(0, i);
            if (a != 0) {
                kept++;
                assertThat(a).isCloseTo(b / 0.75, within(1e-4)); // inverted dropout, as torch
            }
        }
        assertThat((double) kept / positive).isCloseTo(0.75, within(0.05));
        Map<String, INDArray> test = net.activations(List.of("fc1", "drop"), x);
        assertThat(test.get("drop")).isEqualTo(test.get("fc1"));
    }

    @Test
    void avgPoolCountsPaddingInTheDivisorLikePytorch() {
        ModelSpec spec = create().add("pool", avgpool(3, 1, 1)).add("gap", gap()).build(1, 4, 4);
        for (String engine : List.of("onednn", "dl4j")) {
            for (String layout : List.of("NCHW", "NHWC")) {
                Network net = COMPILER.compile(spec, new CompileOptions(1, new Sgd(0.1), 0, layout, engine));
                INDArray ones = Nd4j.ones(DataType.FLOAT, 1, 1, 4, 4);
                INDArray in = layout.equals("NHWC") ? nhwc(ones) : ones;
                INDArray p = net.activations(List.of("pool"), in).get("pool"); // count_include_pad=True:
                assertThat(p.getDouble(0, 0, 0, 0)).as("corner %s %s", layout, engine).isCloseTo(4 / 9.0, within(1e-6));
                assertThat(p.getDouble(0, 0, 0, 1)).as("edge").isCloseTo(6 / 9.0, within(1e-6));
                assertThat(p.getDouble(0, 0, 1, 1)).as("inside").isCloseTo(1.0, within(1e-6));
            }
        }
    }

    @Test
    void weightDecayHasTorchSemanticsOnEveryTrainableParameterIncludingBatchNorm() {
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, true)).add("bn", bn()).add("relu", relu())
                .add("gap", gap()).add("fc", dense(3)).build(2, 5, 5);
        double lr = 0.1;
        double wd = 0.05;
        int batch = 6;
        Network net = COMPILER.compile(spec, new CompileOptions(7, new Sgd(lr), wd, "NHWC"));
        ComputationGraph g = net.graph();
        g.getLayer("bn").getParam("gamma").assign(Nd4j.linspace(0.5, 1.5, 4, DataType.FLOAT).reshape(1, 4));
        g.getLayer("bn").getParam("beta").assign(Nd4j.linspace(-0.2, 0.2, 4, DataType.FLOAT).reshape(1, 4));
        INDArray x = random(5, batch, 5, 5, 2);
        INDArray y = oneHot(batch, 3);
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        Map<String, INDArray> grads = new java.util.HashMap<>();
        g.gradient().gradientForVariable().forEach((k, v) -> grads.put(k, v.dup()));
        // the data loss alone, from the training-mode probabilities
        INDArray probs = g.feedForward(new INDArray[] {x}, true, false).get("loss");
        double loss = -Transforms.log(probs.mul(y).sum(1)).meanNumber().doubleValue();
        Map<String, INDArray> before = new java.util.HashMap<>();
        double penalty = 0;
        String[][] trainable = {{"conv", "W"}, {"conv", "b"}, {"bn", "gamma"}, {"bn", "beta"}, {"fc", "W"}, {"fc", "b"}};
        for (String[] p : trainable) {
            INDArray v = g.getLayer(p[0]).getParam(p[1]).dup();
            before.put(p[0] + "_" + p[1], v);
            penalty += 0.5 * wd * v.mul(v).sumNumber().doubleValue();
        }
        g.clear();

        net.fit(new DataSet(x, y));

        for (String[] p : trainable) {
            String key = p[0] + "_" + p[1];
            INDArray expected = before.get(key).sub(grads.get(key).div(batch).add(before.get(key).mul(wd)).mul(lr));
            INDArray actual = g.getLayer(p[0]).getParam(p[1]);
            assertThat(actual.equalsWithEps(expected, 1e-5)).as(key).isTrue();
        }
        // torch reports the loss without the penalty, and the penalty is not even computed
        assertThat(net.score()).isCloseTo(loss, within(1e-5));
        assertThat(penalty).isGreaterThan(1e-3);
        assertThat(g.calcRegularizationScore(true)).isZero();
        assertThat(GraphNetwork.scoresPenalty(g)).isFalse();
    }

    @Test
    void theEngineGraphTakesTheUpdatersOwnViewsAndUpdatesLikeAPlainGraph() {
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, true)).add("bn", bn()).add("relu", relu())
                .add("gap", gap()).add("fc", dense(3)).build(2, 5, 5);
        Network net = COMPILER.compile(spec, new CompileOptions(7, new org.nd4j.linalg.learning.config.Nesterovs(0.1, 0.9),
                0.05, "NHWC", "dl4j"));
        ComputationGraph lean = net.graph();
        assertThat(lean).isInstanceOf(EngineGraph.class);
        ComputationGraph plain = new ComputationGraph(lean.getConfiguration().clone());
        plain.init(lean.params().dup(), false);
        INDArray x = random(5, 6, 5, 5, 2);
        INDArray y = oneHot(6, 3);
        lean.setInputs(x);
        lean.setLabels(y);
        lean.computeGradientAndScore();
        assertThat(lean.gradientAndScore().getFirst().gradient()).isSameAs(lean.getFlattenedGradients());
        lean.clear();
        for (int step = 0; step < 3; step++) {
            lean.fit(new DataSet(x, y));
            plain.fit(new DataSet(x, y));
            assertThat(lean.params().equalsWithEps(plain.params(), 1e-6)).as("step " + step).isTrue();
        }
        assertThat(lean.getUpdater().getStateViewArray().equalsWithEps(plain.getUpdater().getStateViewArray(), 1e-6))
                .isTrue();
    }

    @Test
    void theEngineGraphDoesNotCopyItsParametersOntoThemselvesAfterAStep() {
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, true)).add("gap", gap()).add("fc", dense(3))
                .build(2, 5, 5);
        ComputationGraph g = COMPILER.compile(spec, new CompileOptions(7, new Sgd(0.1), 0.0, "NHWC")).graph();
        INDArray view = g.params();
        assertThat(view).isNotSameAs(g.params()); // a fresh view each call: what the solver hands back
        assertThat(EngineGraph.sameMemory(view, g.params())).isTrue();
        OpProfiler profiler = OpProfiler.getInstance();
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        try {
            profiler.reset();
            g.setParams(view);
            assertThat(profiler.getInvocationsCount()).as("ops run by setParams(params())").isZero();
        } finally {
            Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
            profiler.reset();
        }

        // any other array is still copied in
        INDArray before = g.params().dup();
        INDArray other = before.add(1.0);
        g.setParams(other);
        assertThat(g.params()).isEqualTo(other);
        g.setParams(before);
        assertThat(g.params()).isEqualTo(before);
        // and only the same elements count as the same memory: not a copy, a sub-range, or a shifted view
        assertThat(EngineGraph.sameMemory(before, g.params())).isFalse();
        assertThat(EngineGraph.sameMemory(g.params().get(interval(1, g.params().length())), g.params())).isFalse();
        INDArray big = Nd4j.create(DataType.FLOAT, 1, 20);
        INDArray first = big.get(point(0), interval(0, 10));
        assertThat(EngineGraph.sameMemory(first, big.get(point(0), interval(1, 11)))).as("other offset").isFalse();
        assertThat(EngineGraph.sameMemory(first, big.reshape(20).get(interval(0, 10)))).isTrue();
    }

    @Test
    void aCheckpointWithDl4jL2StillReportsTheLossWithoutThePenalty() {
        // model.zip files written before TorchWeightDecay carry DL4J's L2, whose penalty DL4J adds to the score
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, true)).add("gap", gap()).add("fc", dense(3))
                .build(2, 5, 5);
        Network net = COMPILER.compile(spec, new CompileOptions(7, new Sgd(0.1), 0.05, "NHWC"));
        ComputationGraph old = net.graph().clone();
        for (org.deeplearning4j.nn.api.Layer l : old.getLayers()) {
            if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b) {
                b.setRegularization(new java.util.ArrayList<>(List.of(
                        new org.nd4j.linalg.learning.regularization.L2Regularization(0.05))));
            }
        }
        assertThat(GraphNetwork.scoresPenalty(old)).isTrue();
        Network restored = ((GraphNetwork) net).withGraph(old);
        INDArray x = random(5, 6, 5, 5, 2);
        INDArray y = oneHot(6, 3);
        INDArray probs = old.feedForward(new INDArray[] {x}, true, false).get("loss");
        double loss = -Transforms.log(probs.mul(y).sum(1)).meanNumber().doubleValue();
        assertThat(old.calcRegularizationScore(true)).isGreaterThan(1e-3);
        restored.fit(new DataSet(x, y));
        assertThat(restored.score()).isCloseTo(loss, within(1e-5));
    }

    @Test
    void serialisationKeepsBatchNormDecayAndTheNhwcFlatten(@TempDir Path dir) throws Exception {
        ModelSpec spec = create().add("conv", conv(4, 3, 1, 1, false)).add("bn", bn()).add("relu", relu())
                .add("flatten", flatten()).add("fc", dense(3)).build(2, 4, 4);
        Network net = COMPILER.compile(spec, new CompileOptions(3, new Sgd(0.1), 0.01, "NHWC"));
        File f = dir.resolve("m.zip").toFile();
        ModelSerializer.writeModel(net.graph(), f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertThat(back.getLayer("bn").conf().getLayer()).isInstanceOf(TorchBatchNorm.class);
        assertThat(((TorchBatchNorm) back.getLayer("bn").conf().getLayer()).getTorchWeightDecay()).isEqualTo(0.01);
        INDArray x = random(6, 2, 4, 4, 2);
        assertThat(back.output(false, x)[0].equalsWithEps(net.output(x), 1e-6)).isTrue();
        Network restored = Networks.restore(spec, new CompileOptions(3, new Sgd(0.1), 0.01, "NHWC"), back);
        // the restored parameters, in a graph whose updater takes the cheap path
        assertThat(restored.graph()).isInstanceOf(EngineGraph.class);
        assertThat(restored.graph().params()).isEqualTo(back.params());
        assertThat(restored.trainableParams()).isEqualTo(net.trainableParams());
        assertThat(restored.activations(List.of("flatten"), x).get("flatten").equalsWithEps(
                net.activations(List.of("flatten"), x).get("flatten"), 1e-6)).isTrue();
        assertThatThrownBy(() -> Networks.restore(tutorialCnn(), CompileOptions.defaults(3, new Sgd(0.1)), back))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
        Network loaded = Networks.load(spec, new CompileOptions(3, new Sgd(0.1), 0.01, "NHWC"), f.toPath(), true);
        assertThat(loaded.output(x).equalsWithEps(net.output(x), 1e-6)).isTrue();
        assertThatThrownBy(() -> Networks.load(spec, CompileOptions.defaults(3, new Sgd(0.1)), dir.resolve("none.zip"),
                false)).isInstanceOf(dev.runner.UserError.class).hasMessageStartingWith("cannot read the network in ");
    }

    @Test
    void shapeProblemsAreReportedAtTheDeclaringLayer() {
        ModelSpec tooSmall = create().add("conv1", conv(4, 7, 1, 0, true)).add("gap", gap()).add("fc", dense(2))
                .build(3, 2, 2);
        assertThatThrownBy(() -> compile(tooSmall, "NCHW")).isInstanceOf(SpecException.class)
                .hasMessage("test.yaml:1:5: model.layers[0]: conv1: kernel 7x7 does not fit the 2x2 input");
        ModelSpec denseOnMap = create().add("conv1", conv(4, 3, 1, 1, true)).add("fc", dense(2)).build(3, 8, 8);
        assertThatThrownBy(() -> compile(denseOnMap, "NCHW")).isInstanceOf(SpecException.class)
                .hasMessageContaining("test.yaml:2:5").hasMessageContaining("dense needs a flat input, got [4, 8, 8]");
        ModelSpec badAdd = create().add("a", conv(4, 3, 1, 1, true)).addFrom("b", conv(8, 3, 1, 1, true))
                .addFrom("sum", add(), "a", "b").add("gap", gap()).add("fc", dense(2)).build(3, 8, 8);
        assertThatThrownBy(() -> compile(badAdd, "NCHW")).isInstanceOf(SpecException.class)
                .hasMessageContaining("sum: add needs inputs of the same shape, got [4, 8, 8] from a and [8, 8, 8] from b");
    }

    @Test
    void concatStacksChannelsAndSamePaddingKeepsTheSize() {
        LayerSpec same = new Conv(5, new int[] {3, 3}, new int[] {1, 1}, null, new int[] {1, 1}, true, "relu");
        LayerSpec dil = new Conv(3, new int[] {3, 3}, new int[] {1, 1}, new int[] {2, 2}, new int[] {2, 2},
                false, null);
        ModelSpec spec = create().add("a", same).addFrom("b", dil).addFrom("cat", new Concat(), "a", "b")
                .add("gap", gap()).add("fc", dense(2)).build(3, 7, 7);
        for (String layout : List.of("NCHW", "NHWC")) {
            Network net = compile(spec, layout);
            assertThat(net.summary().get(2).outputShape()).containsExactly(8, 7, 7);
            assertThat(net.trainableParams()).isEqualTo((5 * 27 + 5) + 3 * 27 + (8 * 2 + 2));
            INDArray x = random(8, 2, 3, 7, 7);
            INDArray in = layout.equals("NHWC") ? nhwc(x) : x;
            Map<String, INDArray> acts = net.activations(List.of("a", "b", "cat"), in);
            assertThat(acts.get("cat").shape()).containsExactly(2, 8, 7, 7);
            assertThat(acts.get("cat").get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 8)).equalsWithEps(acts.get("b"), 1e-6)).isTrue();
        }
    }

    @Test
    void tableAlignsColumnsAndTotals() {
        String t = NetworkTable.table(compile(tutorialCnn(), "NCHW").summary());
        String[] lines = t.split("\n");
        assertThat(lines[0]).startsWith("name").contains("type").contains("output shape").endsWith("params");
        assertThat(t).contains("flatten").contains("400");
        assertThat(lines[lines.length - 1]).startsWith("total trainable parameters (12 layers)").endsWith("62,006");
        int width = lines[0].length();
        for (String l : lines) assertThat(l.length()).as(l).isEqualTo(width);
        assertThat(t).containsPattern("conv1 +conv +6x28x28 +456\n");
    }

    @Test
    void denseHeadWithBatchNormAndLayerActivations() {
        ModelSpec spec = create()
                .add("conv", new Conv(4, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1},
                        new int[] {1, 1}, true, "relu"))
                .add("flatten", flatten())
                .add("fc1", new Dense(8, false, null)).add("bn", bn())
                .add("act", new Activation("leaky_relu", 0.2))
                .add("fc2", dense(3)).build(2, 6, 6);
        for (String layout : List.of("NCHW", "NHWC")) {
            Network net = compile(spec, layout);
            assertThat(net.trainableParams()).isEqualTo((4 * 18 + 4) + 36 * 8 + 16 + (8 * 3 + 3));
            assertThat(net.summary().get(0).outputShape()).containsExactly(4, 3, 3);
            INDArray x = random(12, 5, 2, 6, 6);
            INDArray in = layout.equals("NHWC") ? nhwc(x) : x;
            Map<String, INDArray> a = net.activations(List.of("conv", "bn", "act"), in);
            assertThat(a.get("conv").minNumber().doubleValue()).isGreaterThanOrEqualTo(0.0); // conv's own relu
            INDArray bnOut = a.get("bn");
            INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.leakyRelu(bnOut, 0.2);
            assertThat(a.get("act").equalsWithEps(expected, 1e-6)).isTrue();
            assertThat(bnOut.minNumber().doubleValue()).isLessThan(0); // not overwritten by the activation after it
            assertThat(bnOut.shape()).containsExactly(5, 8);
            double before = Double.NaN;
            for (int i = 0; i < 20; i++) {
                net.fit(new DataSet(in, oneHot(5, 3)));
                if (i == 0) before = net.score();
            }
            assertThat(net.score()).isLessThan(before); // it learns
        }
    }
}
