package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A validation set end to end: data.val_split and an image folder's val/, with checkpoint.best and early_stopping. */
class ValidationCliTest {
    @TempDir
    Path tmp;

    @Test
    void valSplitIsMeasuredEachEpochAndKeepsTheBestModel() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 12, 3);
        Path results = tmp.resolve("results");
        Path file = Cli.write(tmp.resolve("v.yaml"), Cli.tinyYaml("v", images, 3,
                "checkpoint: {best: val_loss}\nearly_stopping: {metric: val_accuracy, patience: 1, min_delta: 0.5}\n")
                .replace("  batch_size: 6\n", "  batch_size: 6\n  val_split: 0.25\n"));
        Cli.Out r = Cli.run("run", file.toString(), "--results", results.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        Path run = Cli.onlyRun(results, "v");
        JsonNode m = Cli.json(run.resolve("metrics.json"));
        // 9 of the 36 training images held out: 27 train in batches of 6
        assertThat(m.path("iterations_per_epoch").asInt()).isEqualTo(5);
        assertThat(m.path("epochs").get(0).has("val_accuracy")).isTrue();
        // no epoch can beat the first by more than 0.5 with 9 images: patience 1 stops after epoch 2
        assertThat(m.path("epochs")).hasSize(2);
        assertThat(m.path("status").asText()).isEqualTo("completed");
        assertThat(m.path("stop_reason").asText()).startsWith("early stopping: val_accuracy");
        assertThat(m.path("best").path("metric").asText()).isEqualTo("val_loss");
        int bestEpoch = m.path("best").path("epoch").asInt();
        assertThat(m.path("best").path("value").asDouble())
                .isEqualTo(m.path("epochs").get(bestEpoch - 1).path("val_loss").asDouble());
        assertThat(run.resolve("best_model.zip")).isRegularFile();
        assertThat(r.out()).contains("val_acc");

        Cli.Out table = Cli.run("table", run.toString());
        assertThat(table.out()).contains("val_accuracy").contains("completed (early stopping at epoch 2)");
        Cli.Out ev = Cli.run("evaluate", run.toString(), "--split", "val", "--model", "best");
        assertThat(ev.code()).as(ev.toString()).isZero();
        assertThat(ev.out()).contains("on the 9 val images");
        Path evalDir;
        try (Stream<Path> s = Files.list(run.resolve("evaluations"))) {
            evalDir = s.findFirst().orElseThrow();
        }
        JsonNode e = Cli.json(evalDir.resolve("evaluation.json"));
        assertThat(e.path("model").asText()).isEqualTo("best");
        assertThat(e.path("epoch").asInt()).isEqualTo(bestEpoch);
        assertThat(e.path("loss").asDouble()).isCloseTo(m.path("best").path("value").asDouble(),
                org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void anImageFoldersValFolderIsTheValidationSet() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 6, 2);
        Path val = Cli.imageFolder(tmp.resolve("other"), 1, 4);
        Files.move(val.resolve("test"), images.resolve("val"));
        Path results = tmp.resolve("results");
        Path file = Cli.write(tmp.resolve("f.yaml"), Cli.tinyYaml("f", images, 1, ""));
        Cli.Out r = Cli.run("run", file.toString(), "--results", results.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode m = Cli.json(Cli.onlyRun(results, "f").resolve("metrics.json"));
        assertThat(m.path("epochs").get(0).has("val_accuracy")).isTrue();
        assertThat(m.path("iterations_per_epoch").asInt()).isEqualTo(3);   // all 18 training images
    }

    @Test
    void aValMetricWithoutAValidationSetIsRefused() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 4, 2);
        Path file = Cli.write(tmp.resolve("n.yaml"), Cli.tinyYaml("n", images, 1, "checkpoint: {best: val_accuracy}\n"));
        Cli.Out r = Cli.run("run", file.toString(), "--results", tmp.resolve("results").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("checkpoint.best").contains("val_split");
        assertThat(tmp.resolve("results/n")).doesNotExist();
        Path cifar = Cli.write(tmp.resolve("c.yaml"), "model: {input: [3, 32, 32], layers: [flatten, {dense: 10}]}\n"
                + "optimizer: sgd\nearly_stopping: {metric: val_loss}\n");
        Cli.Out c = Cli.run("check", cifar.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("c.yaml:3:").contains("early_stopping.metric").contains("val_split");
    }
}
