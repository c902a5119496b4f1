package dev.runner.model;

import static dev.runner.model.GraphChecks.assertClose;
import static dev.runner.model.GraphChecks.gradients;
import static dev.runner.model.TestSpecs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runner.spec.ModelSpec;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

class BackendTest {
    /** conv, batch norm, relu, max and avg pooling, a residual add, global pool, dense. */
    static ModelSpec small() {
        TestSpecs t = create().add("conv1", conv(6, 3, 1, 1, true)).add("bn1", bn()).add("relu1", relu())
                .add("pool1", maxpool(3, 2, 1));
        String in = t.last();
        t.add("conv2", conv(6, 3, 1, 1, false)).add("bn2", bn()).addFrom("add", add(), "bn2", in)
                .add("relu2", relu()).add("pool2", avgpool(2, 2, 0)).add("gap", gap()).add("fc", dense(5));
        return t.build(3, 12, 12);
    }

    static Network compile(String layout, boolean helpers) {
        return ModelCompiler.computationGraph().compile(small(),
                new CompileOptions(11, new Sgd(0.1), 0.01, layout, helpers));
    }

    @Test
    void describeSaysWhatIsInUse() {
        Backend.init();
        Backend.init(); // idempotent
        Map<String, Object> d = Backend.describe();
        assertThat(d).containsKeys("backend", "native_classifier", "nd4j_version", "onednn", "helpers_enabled",
                "threads", "omp_wait_policy", "javacpp_max_physical_bytes", "cpu", "build_info");
        assertThat(d.get("backend")).isEqualTo("CPU");
        assertThat(d.get("nd4j_version")).isEqualTo("1.0.0-M2.1");
        assertThat((String) d.get("native_classifier")).startsWith("linux-x86_64");
        assertThat(d.get("onednn")).isEqualTo(((String) d.get("build_info")).contains("HAVE_ONEDNN"));
        assertThat(d.get("onednn")).isEqualTo(((String) d.get("native_classifier")).contains("onednn"));
        assertThat(String.valueOf(d.get("threads"))).matches("adaptive 1\\.\\.\\d+|\\d+");
    }

    /** Prints what a fresh process gets from {@link Backend#init()} (other tests may load JavaCPP first). */
    public static final class Probe {
        public static void main(String[] args) {
            Backend.init();
            System.out.println("max_physical_bytes=" + Backend.describe().get("javacpp_max_physical_bytes"));
        }
    }

    @Test
    void javacppChecksNoResidentSizePerAllocation() throws Exception {
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out.lines().filter(l -> l.startsWith("max_physical_bytes=")).toList())
                .as(out).containsExactly("max_physical_bytes=0");
    }

    @Test
    void threadCountFollowsTheWorkUnlessTheUserFixesIt() {
        assertThat(Backend.chooseThreads(null)).isZero();
        assertThat(Backend.chooseThreads(" 4")).isEqualTo(4);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backend.chooseThreads("0"))
                .isInstanceOf(dev.runner.UserError.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Backend.chooseThreads("many"))
                .isInstanceOf(dev.runner.UserError.class)
                .hasMessage("-Drunner.threads must be a positive integer, got 'many'");
        assumeTrue(System.getProperty(Backend.THREADS_PROPERTY) == null && System.getenv("OMP_NUM_THREADS") == null,
                "the user fixed the thread count");
        Backend.init();
        int all = Runtime.getRuntime().availableProcessors();
        assertThat(Backend.threadsFor(1e6)).isEqualTo(1);
        assertThat(Backend.threadsFor(1e11)).isEqualTo(all);

        // ResNet9 at batch 64 is large work, the tutorial CNN at batch 4 small; the choice is applied on whatever
        // thread runs the network (OpenMP keeps the setting per thread).
        GraphNetwork big = (GraphNetwork) ModelCompiler.computationGraph().compile(TestSpecs.resnet9(),
                CompileOptions.defaults(1, new Sgd(0.1)));
        GraphNetwork small = (GraphNetwork) ModelCompiler.computationGraph().compile(TestSpecs.tutorialCnn(),
                CompileOptions.defaults(1, new Sgd(0.1)));
        assertThat(big.macsPerSample()).isBetween(6.0e7, 7.0e7); // ResNet9 on 32x32 (maxpool at 16x16): 65 M
        assertThat(small.macsPerSample()).isCloseTo(352_800 + 240_000 + 48_000 + 10_080 + 840,
                org.assertj.core.api.Assertions.within(1.0));
        int[] seen = new int[2];
        Thread t = new Thread(() -> {
            small.output(GraphCompilerTest.random(1, 4, 32, 32, 3));
            seen[0] = Backend.threads();
            big.output(GraphCompilerTest.random(1, 256, 32, 32, 3));
            seen[1] = Backend.threads();
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(seen).containsExactly(1, all);
    }

    @Test
    void oneDnnHelpersAreInUseWhenTheBuildHasOneDnn() {
        assumeTrue(Backend.oneDnnCompiledIn(), "native build without oneDNN");
        assertThat(Backend.helpersEnabled()).isTrue();
        for (String layout : List.of("NCHW", "NHWC")) {
            ComputationGraph g = compile(layout, true).graph();
            assertThat(g.getLayer("conv1").getHelper()).isInstanceOf(MKLDNNConvHelper.class);
            assertThat(g.getLayer("conv1")).isInstanceOf(OneDnnConvolutionLayer.class);
            assertThat(g.getLayer("bn1").getHelper()).isInstanceOf(MKLDNNBatchNormHelper.class);
            assertThat(g.getLayer("pool1").getHelper()).isInstanceOf(MKLDNNSubsamplingHelper.class);
            ComputationGraph plain = compile(layout, false).graph();
            assertThat(plain.getLayer("conv1").getHelper()).isNull();
            assertThat(plain.getLayer("bn1").getHelper()).isNull();
        }
        // The switch is restored after a plain compile.
        assertThat(compile("NHWC", true).graph().getLayer("conv2").getHelper()).isNotNull();
    }

    /**
     * Convolutions the oneDNN layer handles itself (strided, "same" padding, 1x1, no bias, an activation of its own,
     * which the stock layer gets wrong in NHWC) and one that does not use oneDNN (dilated), in a residual block
     * with a 1x1 shortcut.
     */
    static ModelSpec convolutions() {
        TestSpecs t = create()
                .add("conv1", new dev.runner.spec.LayerSpec.Conv(8, new int[] {3, 3}, new int[] {2, 2}, null,
                        new int[] {1, 1}, false, null))
                .add("bn1", bn())
                .add("conv2", new dev.runner.spec.LayerSpec.Conv(8, new int[] {3, 3}, new int[] {1, 1},
                        new int[] {1, 1}, new int[] {1, 1}, true, "relu"))
                .add("conv2d", new dev.runner.spec.LayerSpec.Conv(8, new int[] {3, 3}, new int[] {1, 1},
                        new int[] {2, 2}, new int[] {2, 2}, false, null));
        String in = t.last();
        t.add("conv3", conv(16, 3, 2, 1, false)).add("bn3", bn())
                .addFrom("short", conv(16, 1, 2, 0, false), in)
                .addFrom("add", add(), "bn3", "short").add("relu3", relu())
                // 4x4 -> 2x2, then a 3x3 stride-1 convolution with a 2x2 output: its backward pass is GemmConvBackprop's
                .add("pool4", maxpool(2, 2, 0)).add("conv4", conv(16, 3, 1, 1, true))
                .add("gap", gap()).add("fc", dense(5));
        return t.build(3, 13, 13);
    }

    /**
     * Two 5x5 convolutions reading the network's input (their input gradient is unused: the weight-only backward
     * pass), one with a bias; a later 5x5 convolution, whose input gradient is needed.
     */
    static ModelSpec firstConvolutions() {
        TestSpecs t = create().add("conv1", conv(6, 5, 1, 2, true)).add("bn1", bn()).add("relu1", relu());
        String a = t.last();
        t.addFrom("side", conv(6, 5, 1, 2, false)).addFrom("add", add(), a, "side").add("pool", maxpool(2, 2, 0))
                .add("conv2", conv(8, 5, 1, 0, true)).add("gap", gap()).add("fc", dense(5));
        return t.build(3, 12, 12);
    }

    @Test
    void oneDnnPathComputesWhatThePlainPathComputes() {
        check(BackendTest::compile, new long[] {4, 3, 12, 12}, List.of("relu1", "pool1", "add", "pool2"));
        check((layout, helpers) -> ModelCompiler.computationGraph().compile(convolutions(),
                new CompileOptions(5, new Sgd(0.1), 0.01, layout, helpers)),
                new long[] {4, 3, 13, 13}, List.of("conv1", "conv2", "conv2d", "short", "add", "conv4"));
        check((layout, helpers) -> ModelCompiler.computationGraph().compile(firstConvolutions(),
                new CompileOptions(5, new Sgd(0.1), 0.01, layout, helpers)),
                new long[] {4, 3, 12, 12}, List.of("conv1", "side", "add", "conv2"));
    }

    @Test
    void convolutionsOnTheInputComputeOnlyTheirWeightGradients() {
        assumeTrue(Backend.oneDnnCompiledIn(), "native build without oneDNN");
        Network net = ModelCompiler.computationGraph().compile(firstConvolutions(),
                new CompileOptions(5, new Sgd(0.1), 0.01, "NHWC", true));
        ((LeanGraph) net.graph()).trainWith(null);   // DL4J's layers, as for a graph the oneDNN step cannot run
        gradients(net.graph(), GraphCompilerTest.nhwc(GraphCompilerTest.random(21, 4, 3, 12, 12)),
                GraphCompilerTest.oneHot(4, 5));
        assertThat(((OneDnnConvolutionLayer) net.graph().getLayer("conv1")).usedWeightOnlyBackprop()).isTrue();
        assertThat(((OneDnnConvolutionLayer) net.graph().getLayer("side")).usedWeightOnlyBackprop()).isTrue();
        assertThat(((OneDnnConvolutionLayer) net.graph().getLayer("conv2")).usedWeightOnlyBackprop())
                .as("its input gradient is needed").isFalse();
        // a 3x3 first convolution (and a strided one) keeps conv2d_bp
        Network other = ModelCompiler.computationGraph().compile(convolutions(),
                new CompileOptions(5, new Sgd(0.1), 0.01, "NHWC", true));
        ((LeanGraph) other.graph()).trainWith(null);
        gradients(other.graph(), GraphCompilerTest.nhwc(GraphCompilerTest.random(21, 4, 3, 13, 13)),
                GraphCompilerTest.oneHot(4, 5));
        assertThat(((OneDnnConvolutionLayer) other.graph().getLayer("conv1")).usedWeightOnlyBackprop()).isFalse();
    }

    @Test
    void theSmallConvolutionsBackwardPassIsTheGemmOne() {
        assumeTrue(Backend.oneDnnCompiledIn(), "native build without oneDNN");
        Network net = ModelCompiler.computationGraph().compile(convolutions(),
                new CompileOptions(5, new Sgd(0.1), 0.01, "NHWC", true));
        ((LeanGraph) net.graph()).trainWith(null);
        INDArray x = GraphCompilerTest.nhwc(GraphCompilerTest.random(21, 4, 3, 13, 13));
        gradients(net.graph(), x, GraphCompilerTest.oneHot(4, 5));
        assertThat(((OneDnnConvolutionLayer) net.graph().getLayer("conv4")).usedGemmBackprop()).isTrue();
        assertThat(((OneDnnConvolutionLayer) net.graph().getLayer("conv3")).usedGemmBackprop()).isFalse();
    }

    private static void check(java.util.function.BiFunction<String, Boolean, Network> compile, long[] inShape,
                              List<String> inner) {
        for (String layout : List.of("NCHW", "NHWC")) {
            Network fast = compile.apply(layout, true);
            Network plain = compile.apply(layout, false);
            assertThat(fast.graph().params()).isEqualTo(plain.graph().params());
            INDArray x = GraphCompilerTest.random(21, inShape);
            if (layout.equals("NHWC")) x = GraphCompilerTest.nhwc(x);
            INDArray y = GraphCompilerTest.oneHot((int) inShape[0], 5);

            assertClose(fast.output(x), plain.output(x), 1e-4, layout + " output");
            Map<String, INDArray> fa = fast.activations(inner, x);
            Map<String, INDArray> pa = plain.activations(inner, x);
            assertThat(fa.keySet()).containsExactlyInAnyOrderElementsOf(inner);
            for (String k : fa.keySet()) assertClose(fa.get(k), pa.get(k), 1e-4, layout + " " + k);

            Map<String, INDArray> gf = gradients(fast.graph(), x, y);
            Map<String, INDArray> gp = gradients(plain.graph(), x, y);
            assertThat(gf.keySet()).isEqualTo(gp.keySet()).contains("conv1_W", "bn1_gamma", "fc_W");
            for (String k : gf.keySet()) {
                if (k.endsWith("_mean") || k.endsWith("_var") || k.endsWith("_log10stdev")) continue;
                assertClose(gf.get(k), gp.get(k), 1e-3, layout + " gradient " + k);
            }
            // and one training step lands on the same parameters
            fast.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            plain.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            assertClose(fast.graph().params(), plain.graph().params(), 1e-4, layout + " params after a step");
            assertThat(fast.score()).isCloseTo(plain.score(), org.assertj.core.api.Assertions.within(1e-4));
        }
    }

    @Test
    void trainingIsDeterministicForASeed() {
        INDArray x = GraphCompilerTest.nhwc(GraphCompilerTest.random(31, 4, 3, 12, 12));
        INDArray y = GraphCompilerTest.oneHot(4, 5);
        INDArray[] params = new INDArray[2];
        double[] scores = new double[2];
        for (int run = 0; run < 2; run++) {
            Network net = compile("NHWC", true);
            for (int step = 0; step < 3; step++) net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            params[run] = net.graph().params().dup();
            scores[run] = net.score();
        }
        assertThat(params[1]).isEqualTo(params[0]);
        assertThat(scores[1]).isEqualTo(scores[0]);
    }
}
