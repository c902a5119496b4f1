package dev.runner.results;

import dev.runner.results.charts.OverlayChart;
import dev.runner.train.Metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runner.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiffTest {
    @TempDir
    Path root;

    Path a;
    Path b;

    /** key, A, B as the text and Markdown tables show them. */
    static final List<List<String>> KEYS = List.of(
            List.of("name", "origin", "origin_4ep"),
            List.of("description", "The tutorial CNN, trained for 2 epochs.",
                    "Same network, 4 epochs, with augmentation."),
            List.of("epochs", "2", "4"),
            List.of("data.augment", "[]", "(absent)"),
            List.of("data.augment[0].pad.size", "(absent)", "4"),
            List.of("data.augment[0].pad.mode", "(absent)", "zero"),
            List.of("data.augment[1].random_crop.size", "(absent)", "32"),
            List.of("optimizer.sgd.lr", "1e-3", "2e-3"),
            List.of("schedule", "constant", "(absent)"),
            List.of("schedule.cosine.eta_min", "(absent)", "0"),
            List.of("evaluate.train", "false", "true"));

    /** metric, A, B, difference: biggest change first within each group. */
    static final List<List<String>> METRICS = List.of(
            List.of("best test accuracy", "53.00 %", "61.00 %", "+8.00 pp"),
            List.of("final test accuracy", "53.00 %", "60.00 %", "+7.00 pp"),
            List.of("final train accuracy", "\u2014", "62.00 %", "\u2014"),
            List.of("test accuracy: bird", "29.00 %", "43.00 %", "+14.00 pp"),
            List.of("test accuracy: plane", "60.00 %", "65.00 %", "+5.00 pp"),
            List.of("test accuracy: car", "70.00 %", "75.00 %", "+5.00 pp"),
            List.of("final train loss", "1.4000", "1.0000", "-0.4000"),
            List.of("final test loss", "1.3500", "1.1500", "-0.2000"),
            List.of("mean seconds per epoch", "96.0 s", "100.0 s", "+4.0 s (+4 %)"));

    @BeforeEach
    void folders() throws Exception {
        a = CraftedRuns.write(root, "origin", "20261127-100000", CraftedRuns.ORIGIN_YAML, CraftedRuns.ORIGIN_METRICS);
        b = CraftedRuns.write(root, "origin_4ep", "20261127-110000", CraftedRuns.ORIGIN_4EP_YAML,
                CraftedRuns.ORIGIN_4EP_METRICS);
    }

    @Test
    void resultHoldsExactKeyAndMetricDifferences() {
        Diff.Result r = Diff.compare(a, b);
        List<List<String>> keys = r.experiment().stream()
                .map(k -> List.of(k.key(), Diff.value(k.a(), k.inA()), Diff.value(k.b(), k.inB()))).toList();
        assertThat(keys).containsExactlyElementsOf(KEYS);
        assertThat(r.metrics()).extracting(Diff.MetricChange::metric, Diff.MetricChange::difference).containsExactly(
                org.assertj.core.groups.Tuple.tuple("best test accuracy", 0.08),
                org.assertj.core.groups.Tuple.tuple("final test accuracy", 0.07),
                org.assertj.core.groups.Tuple.tuple("final train accuracy", null),
                org.assertj.core.groups.Tuple.tuple("test accuracy: bird", 0.14),
                org.assertj.core.groups.Tuple.tuple("test accuracy: plane", 0.05),
                org.assertj.core.groups.Tuple.tuple("test accuracy: car", 0.05),
                org.assertj.core.groups.Tuple.tuple("final train loss", -0.4),
                org.assertj.core.groups.Tuple.tuple("final test loss", -0.2),
                org.assertj.core.groups.Tuple.tuple("mean seconds per epoch", 4.0));
        assertThat(r.notes()).containsExactly("the runs have different lengths: A has 2 epochs, B has 4; final "
                + "metrics are each run's own last epoch, best ones over each run's epochs");
    }

    @Test
    void textFormat() {
        String text = Diff.render(Diff.compare(a, b), "text");
        List<String> lines = Arrays.asList(text.split("\n"));
        assertThat(lines.get(0)).isEqualTo("A: origin/20261127-100000 (completed, 2 of 2 epochs) " + a);
        assertThat(lines.get(1)).isEqualTo("B: origin_4ep/20261127-110000 (completed, 4 of 4 epochs) " + b);
        assertThat(lines.get(2)).startsWith("note: the runs have different lengths: A has 2 epochs, B has 4");
        int k = lines.indexOf("Experiment: 11 keys differ");
        assertThat(k).isPositive();
        assertThat(cells(lines.get(k + 1), "\\s{2,}")).containsExactly("key", "A", "B");
        for (int i = 0; i < KEYS.size(); i++) {
            assertThat(cells(lines.get(k + 2 + i), "\\s{2,}")).containsExactlyElementsOf(KEYS.get(i));
        }
        int m = lines.indexOf("Metrics (difference = B - A):");
        assertThat(m).isGreaterThan(k + KEYS.size());
        assertThat(cells(lines.get(m + 1), "\\s{2,}")).containsExactly("metric", "A", "B", "difference");
        for (int i = 0; i < METRICS.size(); i++) {
            assertThat(cells(lines.get(m + 2 + i), "\\s{2,}")).containsExactlyElementsOf(METRICS.get(i));
        }
        assertThat(lines).hasSize(m + 2 + METRICS.size());
    }

    @Test
    void markdownFormat() {
        String md = Diff.render(Diff.compare(a, b), Diff.Format.MARKDOWN);
        List<String> lines = Arrays.asList(md.split("\n"));
        assertThat(lines).contains("**A:** `origin/20261127-100000` (completed)  ",
                "> **Note:** the runs have different lengths: A has 2 epochs, B has 4; final metrics are each "
                        + "run's own last epoch, best ones over each run's epochs");
        int k = lines.indexOf("| key | A | B |");
        assertThat(lines.get(k + 1)).isEqualTo("|---|---|---|");
        for (int i = 0; i < KEYS.size(); i++) {
            List<String> expected = new ArrayList<>(KEYS.get(i));
            expected.set(0, "`" + expected.get(0) + "`");
            assertThat(mdCells(lines.get(k + 2 + i))).containsExactlyElementsOf(expected);
        }
        int m = lines.indexOf("| metric | A | B | difference (B \u2212 A) |");
        assertThat(lines.get(m + 1)).isEqualTo("|---|---:|---:|---:|");
        for (int i = 0; i < METRICS.size(); i++) {
            assertThat(mdCells(lines.get(m + 2 + i))).containsExactlyElementsOf(METRICS.get(i));
        }
        assertThat(lines).hasSize(m + 2 + METRICS.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonFormat() throws Exception {
        String json = Diff.render(Diff.compare(a, b), "json");
        Map<String, Object> root = new ObjectMapper().readValue(json, Map.class);
        Map<String, Object> ra = (Map<String, Object>) root.get("a");
        assertThat(ra).containsEntry("name", "origin").containsEntry("run_id", "20261127-100000")
                .containsEntry("status", "completed").containsEntry("epochs", 2).containsEntry("folder", a.toString());
        assertThat((List<String>) root.get("notes")).hasSize(1);
        List<Map<String, Object>> keys = (List<Map<String, Object>>) root.get("experiment");
        assertThat(keys).hasSize(KEYS.size());
        assertThat(keys.get(0)).containsExactly(Map.entry("key", "name"), Map.entry("a", "origin"),
                Map.entry("b", "origin_4ep"));
        assertThat(keys.get(2)).containsExactly(Map.entry("key", "epochs"), Map.entry("a", 2), Map.entry("b", 4));
        assertThat(keys.get(3)).containsExactly(Map.entry("key", "data.augment"), Map.entry("a", List.of()));
        assertThat(keys.get(4)).containsExactly(Map.entry("key", "data.augment[0].pad.size"), Map.entry("b", 4));
        assertThat(keys.get(7)).containsExactly(Map.entry("key", "optimizer.sgd.lr"), Map.entry("a", 0.001),
                Map.entry("b", 0.002));
        assertThat(keys.get(10)).containsExactly(Map.entry("key", "evaluate.train"), Map.entry("a", false),
                Map.entry("b", true));
        assertThat(keys).extracting(k -> k.get("key"))
                .containsExactlyElementsOf(KEYS.stream().map(l -> l.get(0)).toList());
        List<Map<String, Object>> metrics = (List<Map<String, Object>>) root.get("metrics");
        assertThat(metrics).extracting(x -> x.get("metric"))
                .containsExactlyElementsOf(METRICS.stream().map(l -> l.get(0)).toList());
        assertThat(metrics.get(0)).containsExactly(Map.entry("group", "accuracy"),
                Map.entry("metric", "best test accuracy"), Map.entry("a", 0.53), Map.entry("b", 0.61),
                Map.entry("difference", 0.08));
        assertThat(metrics.get(2)).containsEntry("a", null).containsEntry("b", 0.62).containsEntry("difference", null);
        assertThat(metrics.get(3)).containsEntry("group", "per-class test accuracy").containsEntry("difference", 0.14);
        assertThat(metrics.get(6)).containsEntry("group", "loss").containsEntry("a", 1.4).containsEntry("b", 1.0)
                .containsEntry("difference", -0.4);
        assertThat(metrics.get(8)).containsEntry("group", "time").containsEntry("a", 96.0).containsEntry("b", 100.0)
                .containsEntry("difference", 4.0);
    }

    @Test
    void identicalRunsHaveNoKeyDifferences() throws Exception {
        Path a2 = CraftedRuns.write(root, "origin", "20261127-120000", CraftedRuns.ORIGIN_YAML,
                CraftedRuns.ORIGIN_METRICS);
        Diff.Result r = Diff.compare(a, a2);
        assertThat(r.experiment()).isEmpty();
        assertThat(r.notes()).isEmpty();
        assertThat(r.metrics()).allSatisfy(m -> assertThat(m.difference()).isIn(0.0, null));
        assertThat(Diff.render(r, "text")).contains("Experiment: no differences");
        assertThat(Diff.render(r, "markdown")).contains("No differences in the experiment.");
    }

    @Test
    void failedRunIsComparedOverWhatItCompleted() throws Exception {
        Path failed = CraftedRuns.write(root, "origin_4ep", "20261127-130000", CraftedRuns.ORIGIN_4EP_YAML,
                CraftedRuns.FAILED_METRICS);
        Diff.Result r = Diff.compare(a, failed);
        assertThat(r.notes()).containsExactly(
                "B (origin_4ep/20261127-130000) failed: loss became NaN at epoch 2, iteration 5; it completed 1 of 4 "
                        + "planned epochs, and those are what is compared",
                "the runs have different lengths: A has 2 epochs, B has 1; final metrics are each run's own last "
                        + "epoch, best ones over each run's epochs");
        Diff.MetricChange finalTest = r.metrics().stream().filter(m -> m.metric().equals("final test accuracy"))
                .findFirst().orElseThrow();
        assertThat(finalTest.b()).isEqualTo(0.45);
        assertThat(finalTest.difference()).isEqualTo(-0.08);
        assertThat(r.metrics()).filteredOn(m -> m.group().equals("per-class test accuracy"))
                .allSatisfy(m -> assertThat(m.b()).isNull());
        assertThat(Diff.render(r, "text")).contains("(failed, 1 of 4 epochs)");
    }

    @Test
    void notAResultsFolderIsAUserError() throws Exception {
        Path empty = Files.createDirectories(root.resolve("not_results"));
        assertThatThrownBy(() -> Diff.compare(a, empty)).isInstanceOf(UserError.class)
                .hasMessage("not a results folder (no metrics.json or lr_range_test.json): " + empty);
        assertThatThrownBy(() -> Diff.compare(root.resolve("missing"), b)).isInstanceOf(UserError.class)
                .hasMessage("no such results folder: " + root.resolve("missing"));
        Path broken = CraftedRuns.write(root, "broken", "1", null, "{\"status\": ");
        assertThatThrownBy(() -> Diff.compare(a, broken)).isInstanceOf(UserError.class)
                .hasMessageStartingWith("cannot read " + broken.resolve("metrics.json"));
        assertThatThrownBy(() -> Diff.render(Diff.compare(a, b), "html")).isInstanceOf(UserError.class)
                .hasMessage("--format: expected text, markdown or json, got 'html'");
    }

    @Test
    void plotOverlaysBothRuns() throws Exception {
        Path png = root.resolve("diff.png");
        Diff.plot(Diff.compare(a, b), png);
        PngAssert.assertChart(png, OverlayChart.WIDTH, OverlayChart.HEIGHT);
    }

    @Test
    void newestRunByRunId() throws Exception {
        CraftedRuns.write(root, "origin", "20261127-101500", CraftedRuns.ORIGIN_YAML, CraftedRuns.ORIGIN_METRICS);
        Path newest = CraftedRuns.write(root, "origin", "20261127-101500-2", CraftedRuns.ORIGIN_YAML,
                CraftedRuns.FAILED_METRICS);
        Files.createDirectories(root.resolve("origin").resolve("20261127-235959")); // not a results folder
        assertThat(RunReader.newestRun(root, "origin")).isEqualTo(newest);
        assertThat(RunReader.newestRun(root, "origin", true)).isEqualTo(root.resolve("origin/20261127-101500"));
        assertThatThrownBy(() -> RunReader.newestRun(root, "nope")).isInstanceOf(UserError.class)
                .hasMessage("no runs of experiment 'nope' under " + root);
        assertThat(RunFolder.compareNatural("run-9", "run-10")).isNegative();
        assertThat(RunFolder.compareNatural("20261127-101500", "20261127-101500-2")).isNegative();
    }

    private static List<String> cells(String line, String sep) {
        return Arrays.asList(line.strip().split(sep));
    }

    private static List<String> mdCells(String line) {
        String inner = line.substring(1, line.length() - 1);
        return Arrays.stream(inner.split(" \\| ")).map(String::strip).toList();
    }

    @Test
    void layersAreComparedByNameNotPosition() throws Exception {
        String wider = CraftedRuns.ORIGIN_YAML.replace("- {conv1: {conv: {out: 6, kernel: 5}}}",
                "- {conv: {filters: 16, kernel: 5}}\n    - relu\n    - {conv: {filters: 8, kernel: 3}}");
        String base = CraftedRuns.ORIGIN_YAML.replace("- {conv1: {conv: {out: 6, kernel: 5}}}",
                "- {conv: {filters: 6, kernel: 5}}\n    - relu").replace("- {fc3: {dense: {out: 3}}}",
                "- dense: 3\n    - {dense: 10, name: head}");
        Path x = CraftedRuns.write(root, "x", "20261127-100000", base, CraftedRuns.ORIGIN_METRICS);
        Path y = CraftedRuns.write(root, "y", "20261127-100000", wider.replace("- {fc3: {dense: {out: 3}}}",
                "- {dense: 12, name: head}\n    - dense: 3"), CraftedRuns.ORIGIN_METRICS);
        List<Diff.KeyChange> keys = Diff.compare(x, y).experiment().stream()
                .filter(k -> k.key().startsWith("model.")).toList();
        assertThat(keys).extracting(Diff.KeyChange::key).containsExactly("model.layers.conv1.conv.filters",
                "model.layers.head.dense", "model.layers.conv2");
        assertThat(keys.get(0).a()).isEqualTo(6);
        assertThat(keys.get(0).b()).isEqualTo(16);
        assertThat(keys.get(2).inA()).isFalse();
        String text = Diff.render(Diff.compare(x, y), Diff.Format.TEXT);
        assertThat(text).contains("{conv: {filters: 8, kernel: 3}}").doesNotContain("layers[");
    }
}
