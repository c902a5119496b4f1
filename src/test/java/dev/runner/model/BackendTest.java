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

    static Network compile(String layout, String engine) {
        return ModelCompiler.computationGraph().compile(small(),
                new CompileOptions(11, new Sgd(0.1), 0.01, layout, engine));
    }

    @Test
    void describeSaysWhatIsInUse() {
        Backend.init();
        Backend.init(); // idempotent
        Map<String, Object> d = Backend.describe();
        assertThat(d).containsKeys("backend", "native_classifier", "nd4j_version", "onednn",
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
        // the tutorial CNN's inference at batch 256 (167 M) is large enough for all threads (after a small call
        // has set one)
        int[] seen = new int[3];
        Thread t = new Thread(() -> {
            small.output(GraphCompilerTest.random(1, 4, 32, 32, 3));
            seen[0] = Backend.threads();
            big.output(GraphCompilerTest.random(1, 256, 32, 32, 3));
            seen[1] = Backend.threads();
            small.output(GraphCompilerTest.random(1, 4, 32, 32, 3));
            small.output(GraphCompilerTest.random(1, 256, 32, 32, 3));
            seen[2] = Backend.threads();
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(seen).containsExactly(1, all, all);
    }

    @Test
    void trainingIsDeterministicForASeed() {
        INDArray x = GraphCompilerTest.nhwc(GraphCompilerTest.random(31, 4, 3, 12, 12));
        INDArray y = GraphCompilerTest.oneHot(4, 5);
        INDArray[] params = new INDArray[2];
        double[] scores = new double[2];
        for (int run = 0; run < 2; run++) {
            Network net = compile("NHWC", "auto");
            for (int step = 0; step < 3; step++) net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            params[run] = net.graph().params().dup();
            scores[run] = net.score();
        }
        assertThat(params[1]).isEqualTo(params[0]);
        assertThat(scores[1]).isEqualTo(scores[0]);
    }
}
