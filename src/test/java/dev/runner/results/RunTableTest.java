package dev.runner.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.Json;
import dev.runner.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner table} on hand-written run folders and a sweep folder, in every format. */
class RunTableTest {
    @TempDir
    Path root;
    Path a;
    Path b;
    Path failed;

    @BeforeEach
    void runs() throws Exception {
        a = CraftedRuns.write(root, "origin", "20261101-100000", CraftedRuns.ORIGIN_YAML, CraftedRuns.ORIGIN_METRICS);
        b = CraftedRuns.write(root, "origin", "20261101-110000",
                CraftedRuns.ORIGIN_YAML.replace("lr: 0.001", "lr: 0.005").replace("batch_size: 4", "batch_size: 8"),
                CraftedRuns.ORIGIN_4EP_METRICS.replace("origin_4ep", "origin"));
        failed = CraftedRuns.write(root, "origin", "20261101-120000",
                CraftedRuns.ORIGIN_YAML.replace("lr: 0.001", "lr: 1.0"),
                CraftedRuns.FAILED_METRICS.replace("origin_4ep", "origin"));
    }

    @Test
    void oneRowPerRunWithTheKeysThatDifferSortedByTheMetric() {
        RunTable.Table t = RunTable.of(List.of(root.resolve("origin")), null);
        assertThat(t.params()).containsExactly("data.batch_size", "optimizer.sgd.lr");
        assertThat(t.metrics()).containsExactly("test_accuracy", "train_accuracy", "test_loss", "train_loss");
        assertThat(t.sortMetric()).isEqualTo("test_accuracy");
        assertThat(t.rows()).extracting(RunTable.Row::run).containsExactly(
                "origin/20261101-110000", "origin/20261101-100000", "origin/20261101-120000");
        assertThat(t.rows()).extracting(RunTable.Row::status).containsExactly("completed", "completed", "failed");
        assertThat(t.rows().get(0).metrics()).containsEntry("test_accuracy", 0.6).containsEntry("test_loss", 1.15);
        assertThat(t.rows().get(1).seconds()).isEqualTo(95.2 + 96.8);
        // a loss sorts lowest first
        assertThat(RunTable.of(List.of(a, b, failed), "train_loss").rows()).extracting(RunTable.Row::folder)
                .containsExactly(b, a, failed);
    }

    @Test
    void text() {
        String s = RunTable.render(RunTable.of(List.of(a, b), null), RunTable.Format.TEXT);
        List<String> lines = s.lines().toList();
        assertThat(lines.get(0)).matches("run\\s+data\\.batch_size\\s+optimizer\\.sgd\\.lr\\s+test_accuracy\\s+"
                + "train_accuracy\\s+test_loss\\s+train_loss\\s+status\\s+time_s");
        assertThat(lines.get(1)).matches("-+");
        assertThat(lines.get(2)).matches("origin/20261101-110000\\s+8\\s+5e-3\\s+60\\.00 %\\s+62\\.00 %\\s+1\\.1500"
                + "\\s+1\\.0000\\s+completed\\s+400\\.0");
        assertThat(lines.get(3)).matches("origin/20261101-100000\\s+4\\s+1e-3\\s+53\\.00 %\\s+1\\.3500\\s+1\\.4000"
                + "\\s+completed\\s+192\\.0");
        assertThat(lines.get(4)).isEqualTo("sorted by test_accuracy (highest first)");
        // columns line up
        assertThat(lines.get(2).indexOf("completed")).isEqualTo(lines.get(0).indexOf("status"));
    }

    @Test
    void markdown() {
        String s = RunTable.render(RunTable.of(List.of(a, b), null), RunTable.Format.MARKDOWN);
        assertThat(s.lines().toList()).containsExactly(
                "| run | data.batch_size | optimizer.sgd.lr | test_accuracy | train_accuracy | test_loss | train_loss"
                        + " | status | time_s |",
                "|---|---|---|---|---|---|---|---|---|",
                "| origin/20261101-110000 | 8 | 5e-3 | 60.00 % | 62.00 % | 1.1500 | 1.0000 | completed | 400.0 |",
                "| origin/20261101-100000 | 4 | 1e-3 | 53.00 % |  | 1.3500 | 1.4000 | completed | 192.0 |");
    }

    @Test
    void csv() {
        String s = RunTable.render(RunTable.of(List.of(a, b), null), RunTable.Format.CSV);
        assertThat(s.lines().toList()).containsExactly(
                "run,data.batch_size,optimizer.sgd.lr,test_accuracy,train_accuracy,test_loss,train_loss,status,time_s",
                "origin/20261101-110000,8,5e-3,0.6,0.62,1.15,1,completed,400",
                "origin/20261101-100000,4,1e-3,0.53,,1.35,1.4,completed,192");
    }

    @Test
    void json() throws Exception {
        String s = RunTable.render(RunTable.of(List.of(a, b), null), RunTable.Format.JSON);
        JsonNode n = Json.MAPPER.readTree(s);
        assertThat(n.get("sorted_by").asText()).isEqualTo("test_accuracy");
        assertThat(n.get("goal").asText()).isEqualTo("max");
        JsonNode first = n.get("rows").get(0);
        assertThat(first.get("run").asText()).isEqualTo("origin/20261101-110000");
        assertThat(first.get("folder").asText()).isEqualTo(b.toString());
        assertThat(first.get("params").get("optimizer.sgd.lr").asDouble()).isEqualTo(0.005);
        assertThat(first.get("params").get("data.batch_size").asInt()).isEqualTo(8);
        assertThat(first.get("metrics").get("test_accuracy").asDouble()).isEqualTo(0.6);
        assertThat(n.get("rows").get(1).get("metrics").get("train_accuracy").isNull()).isTrue();
        assertThat(first.get("seconds").asDouble()).isEqualTo(400.0);
    }

    @Test
    void aSweepFolderListsItsTrialsPendingOnesToo() throws Exception {
        Path sweep = Files.createDirectories(root.resolve("origin/sweep-20261101-130000"));
        Path t1 = CraftedRuns.write(sweep, "01_lr=0.001", "", CraftedRuns.ORIGIN_YAML, CraftedRuns.ORIGIN_METRICS);
        Map<String, Object> v1 = new LinkedHashMap<>(Map.of("optimizer.sgd.lr", 0.001));
        Map<String, Object> v2 = new LinkedHashMap<>(Map.of("optimizer.sgd.lr", 0.005));
        SweepFolder.write(sweep, new SweepFolder.Index("origin", "origin.yaml", "test_loss", "min",
                List.of("optimizer.sgd.lr"), List.of(), "workers 1", List.of(), "2026-11-01T13:00:00Z", List.of(
                new SweepFolder.Trial(1, "01_lr=0.001", v1, List.of("optimizer.sgd.lr=0.001"), "completed", null,
                        1.35, 192.0),
                new SweepFolder.Trial(2, "02_lr=0.005", v2, List.of("optimizer.sgd.lr=0.005"), "pending", null,
                        null, null)), java.util.Map.of(), List.of()));
        assertThat(t1).isEqualTo(sweep.resolve("01_lr=0.001/"));
        RunTable.Table t = RunTable.of(List.of(sweep), null);
        assertThat(t.sortMetric()).isEqualTo("test_loss");
        assertThat(t.maximize()).isFalse();
        assertThat(t.params()).containsExactly("optimizer.sgd.lr");
        assertThat(t.rows()).extracting(RunTable.Row::run).containsExactly("01_lr=0.001", "02_lr=0.005");
        assertThat(t.rows()).extracting(RunTable.Row::status).containsExactly("completed", "pending");
        // the results folder of the experiment holds the three runs and the sweep's trials, each once
        assertThat(RunTable.of(List.of(root.resolve("origin")), null).rows()).hasSize(5);
    }

    @Test
    void notRuns() throws Exception {
        Path empty = Files.createDirectories(root.resolve("empty"));
        assertThatThrownBy(() -> RunTable.of(List.of(empty), null)).isInstanceOf(UserError.class)
                .hasMessageStartingWith("no runs under " + empty);
        assertThatThrownBy(() -> RunTable.of(List.of(a), "accuracy")).isInstanceOf(UserError.class)
                .hasMessageStartingWith("--metric accuracy: expected one of");
    }

    @Test
    void byDefaultOnlyShortScalarKeysAndOneLayersColumn() throws Exception {
        Path other = CraftedRuns.write(root, "origin", "20261101-130000", CraftedRuns.ORIGIN_YAML
                        .replace("- {fc3: {dense: {out: 3}}}", "- {fc3: {dense: {out: 3}}}\n    - {dense: 5, name: extra}")
                        .replace("normalize: {mean: [0.5, 0.5, 0.5]", "normalize: {mean: [0.4, 0.5, 0.5]")
                        .replace("lr: 0.001", "lr: 0.0002"),
                CraftedRuns.ORIGIN_METRICS);
        RunTable.Table t = RunTable.of(List.of(a, b, other), null);
        assertThat(t.params()).containsExactly("data.batch_size", "layers", "optimizer.sgd.lr");
        assertThat(t.hidden()).containsExactly("data.normalize.mean");
        RunTable.Row row = t.rows().stream().filter(r -> r.folder().equals(other)).findFirst().orElseThrow();
        assertThat(row.params().get("layers")).isEqualTo("+extra");
        String text = RunTable.render(t, RunTable.Format.TEXT);
        assertThat(text).contains("2e-4").doesNotContain("2.0E-4").doesNotContain("{conv1")
                .contains("also differ: data.normalize.mean (show with --columns)");
        assertThat(text.lines().mapToInt(String::length).max().orElseThrow()).isLessThan(140);

        RunTable.Table chosen = RunTable.of(List.of(a, b, other), null, List.of("data.normalize.mean", "seed"));
        assertThat(chosen.params()).containsExactly("data.normalize.mean", "seed");
        assertThat(RunTable.render(chosen, RunTable.Format.TEXT)).contains("[0.4, 0.5, 0.5]");
        assertThatThrownBy(() -> RunTable.of(List.of(a), null, List.of("nope"))).isInstanceOf(UserError.class)
                .hasMessageContaining("--columns nope");
    }
}
