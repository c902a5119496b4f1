package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.serving.SavedRun;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code runner predict} and {@code runner evaluate} on tiny runs trained on both engines. */
class PredictEvaluateCliTest {
    @TempDir
    static Path tmp;
    static Path images;
    static Path results;
    static Map<String, Path> runs = new TreeMap<>();

    @BeforeAll
    static void train() throws Exception {
        images = Cli.imageFolder(tmp.resolve("images"), 12, 5);
        results = tmp.resolve("results");
        for (String engine : List.of("onednn", "dl4j")) {
            Path file = Cli.write(tmp.resolve("exp/tiny_" + engine + ".yaml"), Cli.tinyYaml("tiny_" + engine, images,
                    2, "engine: " + engine + "\n").replace("lr: 0.05", "lr: 0.003").replace("  test_batch_size: 16\n", "  test_batch_size: 4\n"
                    + "  normalize: {mean: [0.5, 0.5, 0.4], std: [0.2, 0.25, 0.3]}\n"));
            Cli.Out r = Cli.run("run", file.toString(), "--results", results.toString());
            assertThat(r.code()).as(r.toString()).isZero();
            runs.put(engine, Cli.onlyRun(results, "tiny_" + engine));
        }
    }

    /** The network's own argmax, through DL4J's graph on features made here from the PNGs (NHWC, normalised). */
    static int[] argmax(Path run, List<Path> files) throws Exception {
        ComputationGraph g = dev.runner.model.ModelZip.read(run.resolve("model.zip"), false);
        double[] mean = {0.5, 0.5, 0.4};
        double[] std = {0.2, 0.25, 0.3};
        int[] out = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = ImageIO.read(files.get(i).toFile());
            INDArray f = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 8, 8, 3);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int rgb = img.getRGB(x, y);
                    int[] ch = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                    for (int c = 0; c < 3; c++) {
                        f.putScalar(new long[] {0, y, x, c}, (ch[c] / 255.0 - mean[c]) / std[c]);
                    }
                }
            }
            out[i] = g.outputSingle(false, f).argMax(1).getInt(0);
        }
        return out;
    }

    static List<Path> testImages() throws Exception {
        try (Stream<Path> s = Files.walk(images.resolve("test"))) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"onednn", "dl4j"})
    void predictsTheNetworksArgmax(String engine) throws Exception {
        Path run = runs.get(engine);
        Cli.Out r = Cli.run("predict", run.toString(), images.resolve("test").toString(), "--format", "json",
                "--top", "2");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode preds = Cli.JSON.readTree(r.out()).path("predictions");
        List<Path> files = testImages();
        assertThat(preds.size()).isEqualTo(files.size());
        int[] expected = argmax(run, files);
        List<String> classes = Cli.CLASSES;
        for (int i = 0; i < files.size(); i++) {
            JsonNode p = preds.get(i);
            assertThat(p.path("input").asText()).isEqualTo(files.get(i).toString());
            assertThat(p.path("class").asText()).as("image %s", files.get(i)).isEqualTo(classes.get(expected[i]));
            assertThat(p.path("top")).hasSize(2);
            assertThat(p.path("top").get(0).path("probability").asDouble())
                    .isGreaterThanOrEqualTo(p.path("top").get(1).path("probability").asDouble());
        }
        // the same as text and csv
        Cli.Out text = Cli.run("predict", run.toString(), files.get(0).toString());
        assertThat(text.code()).as(text.toString()).isZero();
        assertThat(text.out().strip()).startsWith(files.get(0) + ": " + classes.get(expected[0]) + " ");
        Cli.Out csv = Cli.run("predict", run.resolve("model.zip").toString(), "--split", "test", "--format", "csv",
                "--top", "3");
        assertThat(csv.code()).as(csv.toString()).isZero();
        List<String> lines = csv.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("input,label,class,probability,class_2,probability_2,class_3,probability_3");
        assertThat(lines).hasSize(files.size() + 1);
        // the split is in the image folder's order: the same files
        for (int i = 0; i < files.size(); i++) {
            assertThat(lines.get(i + 1).split(",")[2]).isEqualTo(classes.get(expected[i]));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"onednn", "dl4j"})
    void evaluateReproducesTheRunsTestAccuracyAndLeavesTheRunAlone(String engine) throws Exception {
        Path run = runs.get(engine);
        Map<String, String> before = hashes(run);
        Cli.Out r = Cli.run("evaluate", run.toString(), "--batch", "7");
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode metrics = Cli.json(run.resolve("metrics.json"));
        Path[] evals;
        try (Stream<Path> s = Files.list(run.resolve("evaluations"))) {
            evals = s.toArray(Path[]::new);
        }
        assertThat(evals).hasSize(1);
        JsonNode ev = Cli.json(evals[0].resolve("evaluation.json"));
        assertThat(ev.path("accuracy").asDouble()).isEqualTo(metrics.path("final").path("test_accuracy").asDouble());
        assertThat(ev.path("loss").asDouble()).isCloseTo(
                metrics.path("epochs").get(1).path("test_loss").asDouble(), org.assertj.core.data.Offset.offset(1e-5));
        assertThat(ev.path("confusion_matrix")).isEqualTo(metrics.path("final").path("confusion_matrix"));
        assertThat(ev.path("per_class_accuracy")).isEqualTo(metrics.path("final").path("per_class_accuracy"));
        assertThat(ev.path("images").asInt()).isEqualTo(15);
        assertThat(ev.path("loss").asDouble()).as("a model that is not perfect tests more").isGreaterThan(0.01);
        Cli.assertPicture(evals[0].resolve("confusion_matrix.png"));
        assertThat(r.out()).contains("Accuracy of the network on the 15 test images");
        assertThat(hashes(run)).isEqualTo(before);
        // a labelled folder: the test folder again gives the same figures
        Cli.Out f = Cli.run("evaluate", run.toString(), "--folder", images.resolve("test").toString());
        assertThat(f.code()).as(f.toString()).isZero();
        assertThat(f.out()).contains("Accuracy of the network on the 15 labelled images: "
                + dev.runner.train.AccuracyLines.percent(ev.path("accuracy").asDouble()) + " %");
    }

    @org.junit.jupiter.api.Test
    void badInputsAreOneLine() throws Exception {
        Path run = runs.get("onednn");
        Path big = tmp.resolve("big.png");
        ImageIO.write(new BufferedImage(16, 12, BufferedImage.TYPE_INT_RGB), "png", big.toFile());
        Cli.Out r = Cli.run("predict", run.toString(), big.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("[3, 12, 16]").contains("[3, 8, 8]");
        Cli.assertNoStackTrace(r.err());
        Cli.Out best = Cli.run("predict", run.toString(), "--split", "test", "--model", "best");
        assertThat(best.code()).isEqualTo(1);
        assertThat(best.errLines()).hasSize(1);
        assertThat(best.err()).contains(SavedRun.BEST_MODEL).contains("checkpoint.best");
        Cli.Out val = Cli.run("evaluate", run.toString(), "--split", "val");
        assertThat(val.code()).isEqualTo(2);
        assertThat(val.err()).contains("no validation set");
        Cli.Out none = Cli.run("predict", tmp.resolve("nothing").toString(), big.toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.errLines()).hasSize(1);
        Cli.Out fmt = Cli.run("predict", run.toString(), big.toString(), "--format", "xml");
        assertThat(fmt.code()).isEqualTo(2);
        assertThat(fmt.err()).contains("--format");
    }

    static Map<String, String> hashes(Path run) throws Exception {
        Map<String, String> m = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(run)) {
            s.filter(Files::isRegularFile).filter(p -> !run.relativize(p).startsWith("evaluations")).forEach(files::add);
        }
        for (Path p : files) {
            m.put(run.relativize(p).toString(), HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
        return m;
    }
}
