package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.model.ModelZip;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code init_from}: a new run starts from another run's weights, all layers or the matching ones. */
class FineTuneCliTest {
    @TempDir
    Path tmp;

    static double maxDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void loadsMatchingLayersAndRefusesAMismatchInOneLine() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 8, 3);
        Path results = tmp.resolve("results");
        Cli.Out src = Cli.run("run", Cli.write(tmp.resolve("src.yaml"), Cli.tinyYaml("src", images, 1, "")).toString(),
                "--results", results.toString());
        assertThat(src.code()).as(src.toString()).isZero();
        Path srcRun = Cli.onlyRun(results, "src");
        ComputationGraph source = ModelZip.read(srcRun.resolve("model.zip"), false);

        // the same network at a learning rate too small to move it: it ends where the source run ended
        String still = Cli.tinyYaml("same", images, 1, "init_from: {run: '" + srcRun + "'}\n")
                .replace("lr: 0.05, momentum: 0.9", "lr: 1.0e-12");
        Cli.Out same = Cli.run("run", Cli.write(tmp.resolve("same.yaml"), still).toString(), "--results",
                results.toString());
        assertThat(same.code()).as(same.toString()).isZero();
        assertThat(same.out()).contains("2 layers loaded");
        Path sameRun = Cli.onlyRun(results, "same");
        assertThat(maxDiff(ModelZip.read(sameRun.resolve("model.zip"), false).params(), source.params()))
                .isLessThan(1e-6);
        JsonNode prov = Cli.json(sameRun.resolve("provenance.json")).path("init_from");
        assertThat(prov.path("run").asText()).isEqualTo(srcRun.toAbsolutePath().normalize().toString());
        assertThat(prov.path("loaded").toString()).isEqualTo("[\"conv1\",\"fc1\"]");
        // without init_from the same file starts elsewhere
        Cli.Out fresh = Cli.run("run", Cli.write(tmp.resolve("fresh.yaml"),
                still.replace("name: same", "name: fresh").replaceAll("init_from: .*\n", "")).toString(),
                "--results", results.toString());
        assertThat(fresh.code()).as(fresh.toString()).isZero();
        assertThat(maxDiff(ModelZip.read(Cli.onlyRun(results, "fresh").resolve("model.zip"), false).params(),
                source.params())).isGreaterThan(1e-3);

        // a wider head: fc1 has another shape
        String wider = Cli.tinyYaml("wide", images, 1, "init_from: {run: '" + srcRun + "', layers: all}\n")
                .replace("{dense: 3}]", "{dense: 7}, relu, {dense: 3}]").replace("lr: 0.05, momentum: 0.9", "lr: 1.0e-12");
        Cli.Out refused = Cli.run("run", Cli.write(tmp.resolve("wide.yaml"), wider).toString(), "--results",
                results.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.errLines()).hasSize(1);
        assertThat(refused.err()).contains("init_from: layer fc1 has W of shape [36, 3]").contains("[36, 7] here");
        Cli.assertNoStackTrace(refused.err());
        assertThat(Cli.runs(results, "wide")).isEmpty();

        Cli.Out matching = Cli.run("run", Cli.write(tmp.resolve("wide2.yaml"), wider.replace("layers: all",
                "layers: matching")).toString(), "--results", results.toString());
        assertThat(matching.code()).as(matching.toString()).isZero();
        assertThat(matching.out()).contains("1 layers loaded, initialised as declared: fc1, fc2");
        ComputationGraph tuned = ModelZip.read(Cli.onlyRun(results, "wide").resolve("model.zip"), false);
        assertThat(maxDiff(tuned.getLayer("conv1").getParam("W"), source.getLayer("conv1").getParam("W")))
                .isLessThan(1e-6);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"onednn", "dl4j"})
    void aFrozenLayerKeepsTheWeightsItStartedFrom(String engine) throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 8, 3);
        Path results = tmp.resolve("results");
        Cli.Out src = Cli.run("run", Cli.write(tmp.resolve("src.yaml"), Cli.tinyYaml("src", images, 1, "")).toString(),
                "--results", results.toString());
        assertThat(src.code()).as(src.toString()).isZero();
        Path srcRun = Cli.onlyRun(results, "src");
        ComputationGraph source = ModelZip.read(srcRun.resolve("model.zip"), false);
        String frozen = Cli.tinyYaml("frozen", images, 1, "init_from: {run: '" + srcRun + "'}\nengine: " + engine + "\n")
                .replace("{conv: {filters: 4, kernel: 3}}", "{conv: {filters: 4, kernel: 3}, trainable: false}")
                .replace("momentum: 0.9", "momentum: 0.9, weight_decay: 0.01");
        Cli.Out r = Cli.run("run", Cli.write(tmp.resolve("frozen.yaml"), frozen).toString(), "--results",
                results.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        Path run = Cli.onlyRun(results, "frozen");
        ComputationGraph tuned = ModelZip.read(run.resolve("model.zip"), false);
        assertThat(Files.readString(run.resolve("experiment.yaml"))).contains("trainable: false");
        assertThat(maxDiff(tuned.getLayer("conv1").getParam("W"), source.getLayer("conv1").getParam("W"))).isZero();
        assertThat(maxDiff(tuned.getLayer("conv1").getParam("b"), source.getLayer("conv1").getParam("b"))).isZero();
        assertThat(maxDiff(tuned.getLayer("fc1").getParam("W"), source.getLayer("fc1").getParam("W")))
                .isGreaterThan(1e-4);
        assertThat(Files.readString(run.resolve("experiment.yaml"))).contains("trainable: false");
    }
}
