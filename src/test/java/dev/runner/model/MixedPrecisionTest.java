package dev.runner.model;

import dev.runner.spec.layers.Activation;
import dev.runner.spec.layers.Concat;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.Dense;
import dev.runner.spec.layers.Dropout;
import dev.runner.spec.layers.GlobalPool;
import dev.runner.spec.layers.Pool;
import static dev.runner.model.GraphChecks.gradients;
import static dev.runner.model.TestSpecs.bn;
import static dev.runner.model.TestSpecs.conv;
import static dev.runner.model.TestSpecs.create;
import static dev.runner.model.TestSpecs.dense;
import static dev.runner.model.TestSpecs.flatten;
import static dev.runner.model.TestSpecs.relu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runner.model.onednn.CpuIsa;
import dev.runner.model.onednn.OneDnnStep;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.lang.SpecException;
import dev.runner.train.TorchAdam;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * {@code precision: bf16} on the oneDNN engine: forward, loss and gradients within bf16's rounding of fp32's, in
 * training and inference, for every layer kind; the parameters (master weights) stay f32 and are saved as such; a
 * run resumed from a bf16 checkpoint lands on the same bits; the same seed and data give the same numbers; and the
 * precision is decided in one place, refusing bf16 naming the CPU feature or the engine that lacks it.
 */
class MixedPrecisionTest {
    /** bf16 kernels here: oneDNN loads and dispatches AVX512-BF16 or AMX. */
    private static boolean bf16Here() {
        return OneDnnStep.unavailable() == null && CpuIsa.hasBf16(CpuIsa.effective());
    }

    /** Every convolution and dense layer in bf16, however small: these tests' networks are. */
    @BeforeEach
    void everyLayerInBf16() {
        System.setProperty(Precision.MIN_WORK_PROPERTY, "0");
    }

    @AfterEach
    void theDefaultRule() {
        System.clearProperty(Precision.MIN_WORK_PROPERTY);
    }

    private static Network compile(ModelSpec spec, String layout, String precision, IUpdater updater) {
        return ModelCompiler.computationGraph().compile(spec,
                new CompileOptions(7, updater, 5e-4, layout, "onednn", precision));
    }

    /** {@link #compile} with the precision decided for a CPU whose oneDNN ISA is {@code isa}. */
    private static Network compileFor(String isa, ModelSpec spec, String layout, String precision, IUpdater updater) {
        return ModelCompiler.computationGraph().compile(spec,
                new CompileOptions(7, updater, 5e-4, layout, "onednn", precision).withCpuIsa(isa));
    }

    /** ||a - b|| / ||b||. */
    private static double relative(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    /** Small networks, together every layer kind, each shallow enough for its gradients to be compared. */
    static List<ModelSpec> smallNetworks() {
        ModelSpec convs = create().add("conv", new Conv(8, new int[] {3, 3}, new int[] {1, 1}, null,
                        new int[] {1, 1}, true, "relu"))
                .add("pool", TestSpecs.maxpool(3, 2, 1)).add("flat", flatten()).add("fc", dense(5)).build(3, 9, 9);
        ModelSpec norms = create().add("conv", conv(8, 3, 1, 1, false)).add("bn", bn()).add("relu", relu())
                .add("ap", new Pool("avg", new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}))
                .add("gap", TestSpecs.gap()).add("fc", dense(5)).build(3, 9, 9);
        TestSpecs b = create().add("c1", conv(8, 3, 1, 1, true));
        String c1 = b.last();
        b.add("c2", new Conv(8, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1},
                        true, "gelu"))
                .addFrom("sum", TestSpecs.add(), "c2", c1)
                .addFrom("cat", new Concat(), "sum", c1)
                .add("t", new Activation("tanh", 0)).add("gmp", new GlobalPool("max"))
                .add("fc1", new Dense(16, true, "sigmoid"))
                .add("lr", new Activation("leaky_relu", 0.1)).add("drop", new Dropout(0.3))
                .add("fc", dense(5));
        TestSpecs mobile = create().add("c1", new Conv(8, new int[] {3, 3}, new int[] {1, 1}, null,
                        new int[] {1, 1}, true, "relu6"))
                .add("hs", new Activation("hardswish", 0)).add("c2", new Conv(8, new int[] {1, 1}, new int[] {1, 1},
                        new int[] {0, 0}, new int[] {1, 1}, true, "silu"))
                .add("r6", new Activation("relu6", 0)).add("gap", TestSpecs.gap())
                .add("fc1", new Dense(16, true, "hardswish")).add("si", new Activation("silu", 0))
                .add("fc", dense(5));
        return List.of(convs, norms, b.build(3, 7, 7), mobile.build(3, 7, 7));
    }

    @Test
    void bf16ForwardAndGradientsAreFp32sWithinBf16sRounding() {
        assumeTrue(bf16Here(), "a CPU with bf16 kernels");
        for (String layout : List.of("NCHW", "NHWC")) {
            for (ModelSpec spec : smallNetworks()) {
                Network half = compile(spec, layout, "bf16", new Sgd(0.05));
                Network full = compile(spec, layout, "fp32", new Sgd(0.05));
                assertThat(half.precision().value()).isEqualTo("bf16");
                assertThat(full.precision().value()).isEqualTo("fp32");
                assertThat(half.graph().params()).isEqualTo(full.graph().params());
                int[] in = spec.input();
                INDArray x = input(layout, 21, 16, in[0], in[1], in[2]);
                INDArray y = GraphCompilerTest.oneHot(16, 5);
                Map<String, INDArray> gh = gradients(half.graph(), x, y);
                double lossHalf = half.graph().score();
                Map<String, INDArray> gf = gradients(full.graph(), x, y);
                double lossFull = full.graph().score();
                String what = layout + " " + spec.nodes().get(0).name() + "..." + spec.nodes().size();
                assertThat(Math.abs(lossHalf - lossFull) / lossFull).as(what + " loss").isLessThan(5e-3);
                assertThat(gh.keySet()).isEqualTo(gf.keySet());
                boolean anyDiffers = false;
                for (String k : gf.keySet()) {
                    assertThat(gh.get(k).dataType()).isEqualTo(DataType.FLOAT);
                    // a weight gradient is a sum over the batch and the positions whose terms cancel, more so
                    // further from the loss: measured up to 9 % (a first convolution behind a max pool, a tanh
                    // and a global max pool); rounding only the input to bf16 moves such sums by 1-12 % in fp32
                    assertThat(relative(gh.get(k), gf.get(k))).as(what + " gradient " + k).isLessThan(0.15);
                    anyDiffers |= !gh.get(k).equals(gf.get(k));
                }
                assertThat(anyDiffers).as("bf16 rounds somewhere: it is not fp32").isTrue();
                // inference in bf16: the class probabilities within bf16's rounding
                INDArray ph = half.output(x);
                INDArray pf = full.output(x);
                assertThat(relative(ph, pf)).as(what + " output").isLessThan(0.01);
                assertThat(ph).isNotEqualTo(pf);
                // a few steps: the f32 master weights move as fp32's do, within rounding
                for (int i = 0; i < 3; i++) {
                    DataSet ds = new DataSet(input(layout, 30 + i, 16, in[0], in[1], in[2]), y);
                    half.fit(ds);
                    full.fit(ds);
                }
                assertThat(relative(half.graph().params(), full.graph().params())).as(what + " params")
                        .isLessThan(1e-2);
                assertThat(relative(half.output(x), full.output(x))).as(what + " output after steps")
                        .isLessThan(0.02);
            }
        }
    }

    /** The deep networks of the engine's own test (every layer kind and option): loss and output within rounding. */
    @Test
    void deepNetworksRunInBf16WithinRounding() {
        assumeTrue(bf16Here(), "a CPU with bf16 kernels");
        for (String layout : List.of("NCHW", "NHWC")) {
            for (ModelSpec spec : List.of(OneDnnEngineTest.everything(), OneDnnEngineTest.convolutionsAndPools())) {
                Network half = compile(spec, layout, "bf16", new Sgd(0.05));
                Network full = compile(spec, layout, "fp32", new Sgd(0.05));
                int[] in = spec.input();
                INDArray x = input(layout, 21, 8, in[0], in[1], in[2]);
                INDArray y = GraphCompilerTest.oneHot(8, 5);
                gradients(half.graph(), x, y);
                double lossHalf = half.graph().score();
                gradients(full.graph(), x, y);
                assertThat(Math.abs(lossHalf - full.graph().score()) / full.graph().score()).as(layout + " loss")
                        .isLessThan(1e-2);
                assertThat(relative(half.output(x), full.output(x))).as(layout + " output").isLessThan(0.02);
            }
        }
    }

    static ModelSpec small() {
        return create().add("conv", conv(16, 3, 1, 1, true)).add("bn", bn()).add("relu", relu())
                .add("pool", TestSpecs.maxpool(2, 2, 0)).add("drop", new Dropout(0.25))
                .add("flat", flatten()).add("fc1", new Dense(32, true, "relu")).add("fc", dense(4))
                .build(3, 8, 8);
    }

    @Test
    void masterWeightsStayFp32AndASavedBf16RunResumesOnTheSameBits() throws Exception {
        assumeTrue(bf16Here(), "a CPU with bf16 kernels");
        ModelSpec spec = small();
        CompileOptions o = new CompileOptions(11, new TorchAdam(1e-2, null, 0.9, 0.999, 1e-8), 0.0, "NHWC",
                "onednn", "bf16");
        Network straight = ModelCompiler.computationGraph().compile(spec, o);
        Network first = ModelCompiler.computationGraph().compile(spec, o);
        for (int i = 0; i < 6; i++) {
            DataSet ds = new DataSet(input("NHWC", 100 + i, 4, 3, 8, 8), GraphCompilerTest.oneHot(4, 4));
            straight.fit(ds);
            if (i < 3) first.fit(ds);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(first.graph(), bytes, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        // the saved parameters: f32, the very values trained, and not bf16 values (bf16 has 16 zero low bits)
        assertThat(back.params().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(back.params()).isEqualTo(first.graph().params());
        float[] saved = back.params().toFloatVector();
        int notBf16 = 0;
        for (float f : saved) if ((Float.floatToRawIntBits(f) & 0xFFFF) != 0) notBf16++;
        assertThat(notBf16).as("parameters with bits below bf16's").isGreaterThan(saved.length * 9 / 10);

        Network resumed = Networks.restore(spec, o, back);
        assertThat(resumed.precision().value()).isEqualTo("bf16");
        for (int i = 3; i < 6; i++) {
            resumed.fit(new DataSet(input("NHWC", 100 + i, 4, 3, 8, 8), GraphCompilerTest.oneHot(4, 4)));
        }
        assertThat(resumed.graph().params()).isEqualTo(straight.graph().params());
        INDArray x = input("NHWC", 200, 5, 3, 8, 8);
        assertThat(resumed.output(x)).isEqualTo(straight.output(x));
    }

    /**
     * In bf16, a convolution or dense layer runs in bf16 when a call does enough work (batch times its work per
     * example); the layers after it follow it; values are converted where the type changes, in both directions,
     * and the gradient flows back through the conversions. Where no layer pays at a batch size, the network
     * computes fp32's very bits.
     */
    @Test
    void layersRunInBf16FromAWorkPerCallOnAndTheLayersAfterThemFollow() {
        assumeTrue(bf16Here(), "a CPU with bf16 kernels");
        // per example: c1 3->4 3x3 on 8x8: 9,216 multiply-adds; c2 4->32 3x3: 73,728; fc 32->5: 160
        ModelSpec spec = create().add("c1", conv(4, 3, 1, 1, true)).add("c2", conv(32, 3, 1, 1, false))
                .add("bn", bn()).add("relu", relu()).add("gap", TestSpecs.gap()).add("fc", dense(5)).build(3, 8, 8);
        System.setProperty(Precision.MIN_WORK_PROPERTY, "1e6");
        for (String asked : List.of("bf16", "auto")) {
            Network half = compile(spec, "NHWC", asked, new Sgd(0.05));
            assertThat(half.precision().value()).isEqualTo("bf16");
            // batch 16: c2 does 1.18 M a call, c1 0.15 M, fc 2,560
            assertThat(half.layerPrecisions(16)).containsExactly(Map.entry("c1", "fp32"), Map.entry("c2", "bf16"),
                    Map.entry("bn", "bf16"), Map.entry("relu", "bf16"), Map.entry("gap", "bf16"),
                    Map.entry("fc", "fp32"));
            assertThat(half.layerPrecisions(8).values()).containsOnly("fp32");   // c2: 0.59 M a call
        }
        Network half = compile(spec, "NHWC", "bf16", new Sgd(0.05));
        Network full = compile(spec, "NHWC", "fp32", new Sgd(0.05));
        assertThat(full.layerPrecisions(16)).isEmpty();
        INDArray x = input("NHWC", 41, 16, 3, 8, 8);
        INDArray y = GraphCompilerTest.oneHot(16, 5);
        Map<String, INDArray> gh = gradients(half.graph(), x, y);
        Map<String, INDArray> gf = gradients(full.graph(), x, y);
        for (String k : gf.keySet()) {
            assertThat(relative(gh.get(k), gf.get(k))).as("gradient " + k).isLessThan(0.15);
        }
        // c1 (f32) gets its gradient through c2's bf16 input and back: rounded, but there
        assertThat(gh.get("c1_W")).isNotEqualTo(gf.get("c1_W"));
        assertThat(relative(half.output(x), full.output(x))).isLessThan(0.01);
        // at batch 8 nothing runs in bf16: fp32's bits, in training and inference
        INDArray x8 = input("NHWC", 42, 8, 3, 8, 8);
        INDArray y8 = GraphCompilerTest.oneHot(8, 5);
        Network h8 = compile(spec, "NHWC", "bf16", new Sgd(0.05));
        Network f8 = compile(spec, "NHWC", "fp32", new Sgd(0.05));
        Map<String, INDArray> g8h = gradients(h8.graph(), x8, y8);
        Map<String, INDArray> g8f = gradients(f8.graph(), x8, y8);
        for (String k : g8f.keySet()) assertThat(g8h.get(k)).as("gradient " + k).isEqualTo(g8f.get(k));
        assertThat(h8.output(x8)).isEqualTo(f8.output(x8));
    }

    @Test
    void sameSeedSameDataSameNumbersInBf16() {
        assumeTrue(bf16Here(), "a CPU with bf16 kernels");
        INDArray[] params = new INDArray[2];
        INDArray[] outs = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            Network net = compile(OneDnnEngineTest.everything(), "NHWC", "bf16", new Sgd(0.05));
            for (int i = 0; i < 3; i++) {
                net.fit(new DataSet(input("NHWC", 60 + i, 6, 3, 13, 13), GraphCompilerTest.oneHot(6, 5)));
            }
            params[run] = net.graph().params().dup();
            outs[run] = net.output(input("NHWC", 70, 6, 3, 13, 13));
        }
        assertThat(params[1]).isEqualTo(params[0]);
        assertThat(outs[1]).isEqualTo(outs[0]);
    }

    @Test
    void theCopiesOfTheWeightsFollowParametersSetFromOutside() {
        assumeTrue(bf16Here(), "a CPU with bf16 kernels");
        Network a = compile(small(), "NHWC", "bf16", new Sgd(0.05));
        Network b = compile(small(), "NHWC", "bf16", new Sgd(0.05));
        INDArray x = input("NHWC", 5, 4, 3, 8, 8);
        b.fit(new DataSet(x, GraphCompilerTest.oneHot(4, 4)));
        INDArray before = a.output(x);
        a.graph().setParams(b.graph().params());
        assertThat(a.output(x)).isEqualTo(b.output(x)).isNotEqualTo(before);
    }

    @Test
    void bf16IsRefusedNamingTheMissingCpuFeatureOrTheEngine() throws Exception {
        Placement onednn = new Placement("onednn", "cpu", "auto: the oneDNN step on the CPU");
        assertThatThrownBy(() -> Precision.decide("bf16", onednn, "avx512_core_vnni"))
                .isInstanceOf(SpecException.class)
                .hasMessage("precision: bf16 needs a CPU with AVX512-BF16 (cpuinfo flag avx512_bf16) or AMX, and "
                        + "oneDNN runs avx512_core_vnni here (precision auto runs fp32 here)");
        assertThat(Precision.decide("auto", onednn, "avx2").value()).isEqualTo("fp32");
        assertThat(Precision.decide("auto", onednn, "avx512_core_bf16"))
                .isEqualTo(new Precision("bf16", "auto: oneDNN's bf16 kernels (avx512_core_bf16)"));
        assertThat(Precision.decide("bf16", onednn, "avx512_core_amx").value()).isEqualTo("bf16");
        assertThat(Precision.decide("fp32", onednn, "avx512_core_amx").value()).isEqualTo("fp32");
        Placement cuda = new Placement("dl4j", "cuda", "auto: DL4J's layers on cuda");
        assertThatThrownBy(() -> Precision.decide("bf16", cuda, "avx512_core_bf16"))
                .isInstanceOf(SpecException.class)
                .hasMessageContaining("precision: bf16 runs on the onednn engine only, and this network runs on dl4j on cuda");
        assertThat(Precision.decide("auto", cuda, "avx512_core_bf16"))
                .isEqualTo(new Precision("fp32", "auto: engine dl4j runs fp32"));

        // through the compiler, on a simulated CPU without bf16
        assumeTrue(OneDnnStep.unavailable() == null, "oneDNN step available");
        {
            assertThatThrownBy(() -> compileFor("avx512_core", small(), "NHWC", "bf16", new Sgd(0.1)))
                    .isInstanceOf(SpecException.class).hasMessageContaining("oneDNN runs avx512_core here");
            Network auto = compileFor("avx512_core", small(), "NHWC", "auto", new Sgd(0.1));
            assertThat(auto.precision().value()).isEqualTo("fp32");
            assertThat(((EngineGraph) auto.graph()).oneDnnStep().bf16()).isFalse();
        }
        assertThat(CpuIsa.effective()).isNotEqualTo("avx512_core").isNotEqualTo("unknown");
    }

    private static INDArray input(String layout, long seed, int batch, int c, int h, int w) {
        INDArray x = GraphCompilerTest.random(seed, batch, c, h, w);
        return layout.equals("NHWC") ? GraphCompilerTest.nhwc(x) : x;
    }
}
