package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grey image folders and the data-versus-model shape check, through the commands. */
class DataKindsCliTest {
    @TempDir
    Path tmp;

    @Test
    void aGreyImageFolderTrains() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 12, 4);
        String yaml = Cli.tinyYaml("grey", images, 4, "").replace("path: '" + images.toAbsolutePath() + "'",
                "path: '" + images.toAbsolutePath() + "', channels: 1").replace("input: [3, 8, 8]", "input: [1, 8, 8]")
                .replace("  batch_size: 6\n", "  batch_size: 6\n  normalize: {mean: [0.45], std: [0.1]}\n");
        Path file = Cli.write(tmp.resolve("grey.yaml"), yaml);
        Cli.Out check = Cli.run("check", file.toString());
        assertThat(check.code()).as("%s", check).isZero();
        Cli.Out out = Cli.run("run", file.toString(), "--results", tmp.resolve("results").toString(), "--data-root",
                tmp.toString());
        assertThat(out.code()).as("%s", out).isZero();
        assertThat(out.out()).contains("grey 8x8");
        Path run = Cli.runs(tmp.resolve("results"), "grey").get(0);
        JsonNode metrics = Cli.JSON.readTree(Files.readString(run.resolve("metrics.json")));
        JsonNode epochs = metrics.get("epochs");
        assertThat(epochs).hasSize(4);
        // red, green and blue dominant images have distinct grey levels: the tiny network learns them
        assertThat(epochs.get(3).get("test_accuracy").asDouble()).isGreaterThan(0.5);
    }

    @Test
    void aChannelMismatchFailsAtCheckNamingBothShapes() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 2, 1);
        Path file = Cli.write(tmp.resolve("rgb.yaml"), Cli.tinyYaml("rgb", images, 1, "")
                .replace("input: [3, 8, 8]", "input: [1, 8, 8]"));
        for (String[] cmd : new String[][] {{"check", file.toString()},
                {"run", file.toString(), "--results", tmp.resolve("results").toString()}}) {
            Cli.Out out = Cli.run(cmd);
            assertThat(out.code()).as("%s", out).isEqualTo(2);
            assertThat(out.err().strip()).as("%s", out).contains("model.input")
                    .contains("the data gives [3, 8, 8] images, but the model takes [1, 8, 8]")
                    .doesNotContain("\n").doesNotContain("Exception");
        }
        assertThat(Cli.runs(tmp.resolve("results"), "rgb")).isEmpty();
        // a data set known by name is checked when the file is read, at the line of model.input
        Path mnist = Cli.write(tmp.resolve("mnist.yaml"), "data: {dataset: mnist}\nmodel:\n  input: [3, 28, 28]\n"
                + "  layers: [flatten, {dense: 10}]\noptimizer: sgd\n");
        Cli.Out out = Cli.run("check", mnist.toString());
        assertThat(out.code()).isEqualTo(2);
        assertThat(out.err()).contains("mnist.yaml:3:")
                .contains("the data gives [1, 28, 28] images, but the model takes [3, 28, 28]");
    }
}
