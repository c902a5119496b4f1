package dev.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evaluate.top_k} through a run: metrics.json, the epoch line, accuracy.png and {@code runner table}. */
class TopKCliTest {
    @TempDir
    Path tmp;

    @Test
    void topKIsRecordedShownAndTabled() throws Exception {
        Path images = Cli.imageFolder(tmp.resolve("images"), 6, 3);
        Path file = Cli.write(tmp.resolve("topk.yaml"), Cli.tinyYaml("topk", images, 1,
                "evaluate: {train: true, top_k: [2, 3]}\n"));
        Path results = tmp.resolve("results");
        Cli.Out out = Cli.run("run", file.toString(), "--results", results.toString(), "--data-root", tmp.toString());
        assertThat(out.code()).as("%s", out).isZero();
        assertThat(out.out()).contains("test_top2 ", "train_top3 ");
        Path run = Cli.runs(results, "topk").get(0);
        JsonNode e = Cli.JSON.readTree(Files.readString(run.resolve("metrics.json"))).get("epochs").get(0);
        double top1 = e.get("test_accuracy").asDouble();
        double top2 = e.get("test_top2_accuracy").asDouble();
        assertThat(top2).isBetween(top1, 1.0);
        assertThat(e.get("test_top3_accuracy").asDouble()).isEqualTo(1.0);  // 3 classes: always among the top 3
        assertThat(e.get("train_top2_accuracy").asDouble()).isBetween(e.get("train_accuracy").asDouble(), 1.0);
        assertThat(run.resolve("accuracy.png")).exists();
        Cli.Out table = Cli.run("table", results.toString(), "--format", "csv");
        assertThat(table.code()).as("%s", table).isZero();
        String header = table.out().lines().findFirst().orElseThrow();
        assertThat(header).contains("test_top2_accuracy", "test_top3_accuracy", "train_top2_accuracy");
        assertThat(header.indexOf("test_top2_accuracy")).isGreaterThan(header.indexOf("test_accuracy"));
        Cli.Out sorted = Cli.run("table", results.toString(), "--metric", "test_top2_accuracy");
        assertThat(sorted.code()).as("%s", sorted).isZero();
    }

    @Test
    void aKAboveTheClassCountIsRefusedAtItsLine() throws Exception {
        Path file = Cli.write(tmp.resolve("bad.yaml"), Cli.tinyYaml("bad", tmp, 1, "evaluate: {top_k: 5}\n"));
        Cli.Out out = Cli.run("check", file.toString());
        assertThat(out.code()).isEqualTo(2);
        assertThat(out.err()).contains("evaluate.top_k").contains("top-5 needs at least 5 classes, but the model"
                + " outputs 3");
    }
}
