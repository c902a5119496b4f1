package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.runner.data.ImageFiles;
import dev.runner.data.ImageSet;
import dev.runner.export.OnnxExport;
import dev.runner.model.Network;
import dev.runner.serving.Predictor;
import dev.runner.serving.SavedRun;
import dev.runner.spec.layers.LayerKinds;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** {@code runner export --format onnx}: ONNX Runtime gives predict's logits and probabilities, for every layer kind. */
class ExportCliTest {
    @TempDir
    static Path tmp;
    static Path images;

    /** Every layer kind, with same, explicit and valid padding, dilation, a 1-D batch norm, both joins. */
    static final String LAYERS = """
              layers:
                - {conv: {filters: 4, kernel: 3, padding: same, dilation: 2, activation: gelu}, name: c1}
                - batchnorm
                - {leaky_relu: 0.2, name: a1}
                - {conv: {filters: 4, kernel: 3, padding: 1, activation: sigmoid}, name: c2}
                - {tanh, name: t1}
                - {add, inputs: [a1, t1], name: sum1}
                - {maxpool: {kernel: 3, stride: 2, padding: same}, name: mp}
                - {avgpool: {kernel: 3, stride: 1, padding: 1}, inputs: [mp], name: ap}
                - {sigmoid, inputs: [mp], name: sg}
                - {concat, inputs: [ap, sg], name: cat}
                - {global_avgpool, inputs: [cat], name: gap}
                - {global_maxpool, inputs: [cat], name: gmp}
                - {concat, inputs: [gap, gmp], name: pooled}
                - {conv: {filters: 4, kernel: 2, stride: 2, padding: valid, bias: false, activation: relu}, inputs: [cat], name: c3}
                - {maxpool: 1, name: mp1}
                - {flatten, name: fl}
                - {dense: {units: 16, activation: tanh}, name: d1}
                - {add, inputs: [d1, pooled], name: sum2}
                - relu
                - batchnorm
                - dropout: 0.3
                - gelu
                - relu6
                - hardswish
                - silu
                - {flatten, name: flat_again}
                - {dense: {units: 3, bias: true}}
                - {scale: 0.5, name: out}
            """;

    @BeforeAll
    static void data() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 8, 6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"onednn", "dl4j"})
    void onnxRuntimeAgreesWithPredictOnEveryLayerKind(String engine) throws Exception {
        String yaml = Cli.tinyYaml("all_" + engine, images, 2, "engine: " + engine + "\n")
                .replace("  layers: [{conv: {filters: 4, kernel: 3}}, relu, {maxpool: 2}, flatten, {dense: 3}]\n", LAYERS)
                .replace("  test_batch_size: 16\n", "  test_batch_size: 16\n"
                        + "  normalize: {mean: [0.4, 0.5, 0.6], std: [0.3, 0.2, 0.25]}\n");
        Set<String> kinds = new HashSet<>();
        for (String k : LayerKinds.NAMES) {
            if (yaml.contains("{" + k + ":") || yaml.contains("{" + k + ",") || yaml.contains("- " + k + "\n")
                    || yaml.contains("- " + k + ":")) {
                kinds.add(k);
            }
        }
        assertThat(kinds).as("the network uses every layer kind").containsExactlyInAnyOrderElementsOf(LayerKinds.NAMES);
        Path file = Cli.write(tmp.resolve(engine + ".yaml"), yaml);
        Path results = tmp.resolve("results");
        Cli.Out r = Cli.run("run", file.toString(), "--results", results.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        Path run = Cli.onlyRun(results, "all_" + engine);
        Path onnx = tmp.resolve(engine + ".onnx");
        Cli.Out ex = Cli.run("export", run.toString(), "--format", "onnx", "-o", onnx.toString());
        assertThat(ex.code()).as(ex.toString()).isZero();
        assertThat(ex.out()).contains("opset 13");

        SavedRun saved = SavedRun.open(run, SavedRun.LAST);
        Network net = saved.network();
        List<Path> files;
        try (Stream<Path> s = Files.walk(images.resolve("test"))) {
            files = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        ImageSet set = ImageFiles.decode(files, null, saved.classes(), saved.inputShape(), null);
        float[][] probs = Predictor.probabilities(net, set, saved.experiment().data(), 7, null);
        INDArray nhwc;
        try (var it = Predictor.batches(net, set, saved.experiment().data(), files.size())) {
            DataSet b = it.next();
            nhwc = b.getFeatures().dup();
        }
        float[][] logits = net.activations(List.of("out"), nhwc).get("out").toFloatMatrix();
        INDArray nchw = nhwc.permute(0, 3, 1, 2).dup('c');

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(nchw.data().asFloat()),
                     nchw.shape());
             OrtSession.Result out = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] ortLogits = (float[][]) out.get(OnnxExport.LOGITS).get().getValue();
            float[][] ortProbs = (float[][]) out.get(OnnxExport.PROBABILITIES).get().getValue();
            double maxLogit = 0;
            double maxProb = 0;
            for (int i = 0; i < files.size(); i++) {
                for (int c = 0; c < 3; c++) {
                    maxLogit = Math.max(maxLogit, Math.abs(ortLogits[i][c] - logits[i][c]));
                    maxProb = Math.max(maxProb, Math.abs(ortProbs[i][c] - probs[i][c]));
                }
                assertThat(Predictor.argmax(ortProbs[i])).isEqualTo(Predictor.argmax(probs[i]));
            }
            System.out.printf("export %s: max |logit difference| %.3g, max |probability difference| %.3g%n", engine,
                    maxLogit, maxProb);
            assertThat(maxLogit).as("max |logit difference|").isLessThanOrEqualTo(1e-4);
            assertThat(maxProb).as("max |probability difference|").isLessThanOrEqualTo(1e-4);
            // the logits are not trivially equal: the model separates the classes
            assertThat(Math.abs(logits[0][0] - logits[0][1]) + Math.abs(logits[0][1] - logits[0][2])).isGreaterThan(1e-3f);
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            assertThat(meta.get("classes")).isEqualTo("[\"blue\",\"green\",\"red\"]");
            assertThat(meta.get("preprocessing")).contains("\"mean\":[0.4,0.5,0.6]").contains("\"std\":[0.3,0.2,0.25]");
        }
    }
}
