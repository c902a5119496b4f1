package dev.runner.results;

import dev.runner.results.charts.ChartStyle;
import dev.runner.results.charts.ConfusionMatrixChart;
import dev.runner.results.charts.RunCharts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.runner.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    /** Shared by all tests (drawing the charts is the slow part); tests only add folders of their own. */
    @TempDir
    static Path root;

    static Path a;
    static Path b;

    @BeforeAll
    static void folders() throws Exception {
        a = CraftedRuns.write(root, "origin", "20261127-100000", CraftedRuns.ORIGIN_YAML, CraftedRuns.ORIGIN_METRICS);
        b = CraftedRuns.write(root, "origin_4ep", "20261127-110000", CraftedRuns.ORIGIN_4EP_YAML,
                CraftedRuns.ORIGIN_4EP_METRICS);
        RunCharts.draw(a);
        RunCharts.draw(b);
        float[] img = new float[3 * 8 * 8];
        Arrays.fill(img, 0.5f);
        float[][] maps = new float[4][16];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 16; i++) {
                maps[k][i] = (i * (k + 1)) % 7;
            }
        }
        FeatureMaps.grid(a.resolve("feature_maps_conv1.png"), "origin", "conv1", img, 3, 8, 8, maps, 4, 4);
        Files.copy(a.resolve("lr.png"), a.resolve("my chart.png"));
    }

    @Test
    void drawRunWritesTheStandardChartsFromMetricsJson() throws Exception {
        assertThat(RunCharts.draw(b)).extracting(p -> p.getFileName().toString()).containsExactly("loss.png",
                "accuracy.png", "lr.png", "per_class_accuracy.png", "confusion_matrix.png");
        for (String f : List.of("loss.png", "accuracy.png", "lr.png", "per_class_accuracy.png")) {
            PngAssert.assertChart(b.resolve(f), ChartStyle.WIDTH, ChartStyle.HEIGHT);
        }
        PngAssert.assertChart(b.resolve("confusion_matrix.png"), ConfusionMatrixChart.WIDTH, ConfusionMatrixChart.HEIGHT);
        Path failed = CraftedRuns.write(root, "origin_4ep", "20261127-130001", CraftedRuns.ORIGIN_4EP_YAML,
                CraftedRuns.FAILED_METRICS);
        assertThat(RunCharts.draw(failed)).extracting(p -> p.getFileName().toString())
                .containsExactly("loss.png", "accuracy.png", "lr.png");
    }

    @Test
    void sectionsTablesAndAccuracyLines() throws Exception {
        Path out = root.resolve("reports/lab.md");
        String md = Report.write(List.of(a, b), out);
        assertThat(out).hasContent(md);
        List<String> lines = Arrays.asList(md.split("\n"));
        List<String> headings = lines.stream().filter(l -> l.startsWith("#")).toList();
        assertThat(headings).containsExactly(
                "# Report: origin, origin_4ep",
                "## 1. origin", "### Setup", "### Accuracy", "### Charts",
                "## What changed: origin \u2192 origin_4ep",
                "## 2. origin_4ep", "### Setup", "### Accuracy", "### Charts");
        assertThat(md).contains("The tutorial CNN, trained for 2 epochs.\n\nRun `20261127-100000`: completed, 2 of 2 "
                + "epochs.");
        assertThat(lines).contains(
                "| epochs | 2 |",
                "| optimizer | sgd (lr 0.001, momentum 0.9, dampening 0, nesterov false, weight_decay 0) |",
                "| schedule | constant |",
                "| augmentation | none |",
                "| normalize | {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]} |",
                "| batch size | 4 (test 256) |",
                "| epochs | 4 |",
                "| schedule | cosine (eta_min 0) |",
                "| augmentation | pad (size 4, mode zero), then random_crop (size 32) |",
                "conv1   conv     6x28x28         456");
        // the report's own accuracy format; 0.29 must print 29, not 28
        int t1 = lines.indexOf("Accuracy of the network on the 300 test images: 53 %");
        assertThat(lines.subList(t1, t1 + 4)).containsExactly(
                "Accuracy of the network on the 300 test images: 53 %",
                "Accuracy of plane : 60 %",
                "Accuracy of   car : 70 %",
                "Accuracy of  bird : 29 %");
        int t2 = lines.indexOf("Accuracy of the network on the 50000 train images: 62 %");
        assertThat(lines.subList(t2, t2 + 4)).containsExactly(
                "Accuracy of the network on the 50000 train images: 62 %",
                "Accuracy of plane : 66 %",
                "Accuracy of   car : 77 %",
                "Accuracy of  bird : 45 %");
        assertThat(md).doesNotContain("Accuracy of the network on the 50000 train images: 0");
        // per-epoch table of the second run (with train accuracy)
        assertThat(lines).contains(
                "| epoch | train loss | test loss | test accuracy | train accuracy | learning rate | seconds |",
                "| 4 | 1.0000 | 1.1500 | 60.00 % | 62.00 % | 3.00e-4 | 100.0 |",
                "| 2 | 1.4000 | 1.3500 | 53.00 % | 1.00e-3 | 96.8 |");
        // what changed: experiment keys without name/description, headline metrics without per-class rows
        int w = lines.indexOf("## What changed: origin \u2192 origin_4ep");
        int next = lines.indexOf("## 2. origin_4ep");
        List<String> between = lines.subList(w, next);
        assertThat(between).contains(
                "| `epochs` | 2 | 4 |",
                "| `data.augment[0].pad.size` | (absent) | 4 |",
                "| `optimizer.sgd.lr` | 1e-3 | 2e-3 |",
                "| `schedule.cosine.eta_min` | (absent) | 0 |",
                "| final test accuracy | 53.00 % | 60.00 % | +7.00 pp |",
                "| final train loss | 1.4000 | 1.0000 | -0.4000 |",
                "| mean seconds per epoch | 96.0 s | 100.0 s | +4.0 s (+4 %) |");
        assertThat(between).noneMatch(l -> l.startsWith("| `name`") || l.startsWith("| `description`")
                || l.startsWith("| test accuracy:"));
        assertThat(Report.render(List.of(a, b), out.getParent())).as("deterministic").isEqualTo(md);
    }

    @Test
    void everyChartIsLinkedRelativeToTheReportAndResolves() throws Exception {
        Path out = java.nio.file.Files.createDirectories(root.resolve("reports/sub")).resolve("lab.md");
        String md = Report.write(List.of(a, b), out);
        List<String> links = new ArrayList<>();
        Matcher m = Pattern.compile("!\\[[^\\]]*\\]\\(([^)]+)\\)").matcher(md);
        while (m.find()) {
            links.add(m.group(1));
        }
        assertThat(links).containsExactly(
                "../../origin/20261127-100000/loss.png",
                "../../origin/20261127-100000/accuracy.png",
                "../../origin/20261127-100000/lr.png",
                "../../origin/20261127-100000/per_class_accuracy.png",
                "../../origin/20261127-100000/confusion_matrix.png",
                "../../origin/20261127-100000/feature_maps_conv1.png",
                "../../origin/20261127-100000/my%20chart.png",
                "../../origin_4ep/20261127-110000/loss.png",
                "../../origin_4ep/20261127-110000/accuracy.png",
                "../../origin_4ep/20261127-110000/lr.png",
                "../../origin_4ep/20261127-110000/per_class_accuracy.png",
                "../../origin_4ep/20261127-110000/confusion_matrix.png");
        for (String link : links) {
            Path target = out.getParent().resolve(URLDecoder.decode(link, StandardCharsets.UTF_8)).normalize();
            assertThat(target).as(link).isRegularFile();
        }
        // any other link in the document resolves too
        Matcher any = Pattern.compile("(?<!!)\\[[^\\]]*\\]\\(([^)]+)\\)").matcher(md);
        while (any.find()) {
            assertThat(out.getParent().resolve(URLDecoder.decode(any.group(1), StandardCharsets.UTF_8)))
                    .isRegularFile();
        }
        assertThat(md).contains("![origin: feature maps conv1](../../origin/20261127-100000/feature_maps_conv1.png)");
    }

    @Test
    void failedRunAndBadFolders() throws Exception {
        Path failed = CraftedRuns.write(root, "origin_4ep", "20261127-130000", CraftedRuns.ORIGIN_4EP_YAML,
                CraftedRuns.FAILED_METRICS);
        String md = Report.render(List.of(a, failed), root);
        assertThat(md).contains("Run `20261127-130000`: failed, 1 of 4 epochs.",
                "> **failed:** loss became NaN at epoch 2, iteration 5",
                "No final evaluation (the run is failed); after epoch 1:\n\n```text\n"
                        + "Accuracy of the network on the test images: 45 %\n```",
                "> **Note:** B (origin_4ep/20261127-130000) failed: loss became NaN");
        Path notResults = Files.createDirectories(root.resolve("empty"));
        assertThatThrownBy(() -> Report.write(List.of(a, notResults), root.resolve("r.md")))
                .isInstanceOf(UserError.class).hasMessageContaining("not a results folder");
        assertThat(root.resolve("r.md")).doesNotExist();
        assertThatThrownBy(() -> Report.write(List.of(), root.resolve("r.md"))).isInstanceOf(UserError.class);
    }

    @Test
    void rangeTestFolderShowsItsSuggestions() throws Exception {
        Path rt = Files.createDirectories(root.resolve("resnet9_lrfind/20261127-140000"));
        Files.writeString(rt.resolve("experiment.yaml"), """
                name: resnet9_lrfind
                description: LR range test of resnet9.
                lr_range_test: {start_lr: 1.0e-7, end_lr: 1, iterations: 300, mode: exp}
                """);
        Files.writeString(rt.resolve("lr_range_test.json"),
                "{\"suggestions\": {\"steepest\": 0.0011, \"valley\": {\"lr\": 0.0024}}}");
        String md = Report.render(List.of(rt), root);
        assertThat(md).contains("## 1. resnet9_lrfind", "LR range test of resnet9.",
                "| LR range test | {start_lr: 1.0E-7, end_lr: 1, iterations: 300, mode: exp} |",
                "| steepest | 1.10e-3 |", "| valley | 2.40e-3 |");
        assertThat(md).doesNotContain("### Accuracy");
    }

    @Test
    void accuracyLinesFormat() {
        assertThat(dev.runner.train.AccuracyLines.accuracyLines(10000, "test", 0.5399, List.of("plane", "automobile"),
                java.util.Map.of("plane", 0.07, "automobile", 1.0))).containsExactly(
                "Accuracy of the network on the 10000 test images: 53 %",
                "Accuracy of plane :  7 %",
                "Accuracy of automobile : 100 %");
        assertThat(dev.runner.train.AccuracyLines.percent(0.29)).isEqualTo(29);
        assertThat(dev.runner.train.AccuracyLines.percent(0.57)).isEqualTo(57);
    }

    @Test
    void theNetworkSectionShowsTheTableWithoutTheAccuracyLinesAFinishedRunAppends() {
        String summary = "name  type  params\nconv1 conv  456\n----\ntotal trainable parameters (1 layers)  456\n\n"
                + "Accuracy of the network on the 10000 test images: 53 %\nAccuracy of   cat : 28 %\n";
        assertThat(Report.networkTable(summary))
                .isEqualTo("name  type  params\nconv1 conv  456\n----\ntotal trainable parameters (1 layers)  456");
        assertThat(Report.networkTable("no table here\n")).isEqualTo("no table here");
    }

    @Test
    void aNameWithALineBreakOrMarkupStaysLiteralText() throws Exception {
        String crafted = CraftedRuns.ORIGIN_METRICS.replaceFirst("\"name\"\\s*:\\s*\"origin\"",
                "\"name\": \"x\\\\n# Owned [link](http://evil) <img src=x> *bold*\"");
        assertThat(crafted).isNotEqualTo(CraftedRuns.ORIGIN_METRICS);
        Path run = CraftedRuns.write(root, "crafted", "20261127-140000", CraftedRuns.ORIGIN_YAML, crafted);
        String md = Report.render(List.of(run), root);
        assertThat(md).doesNotContain("\n# Owned").doesNotContain("[link](").doesNotContain("<img")
                .contains("## 1. x\u240a\\# Owned \\[link\\](http://evil) &lt;img src=x&gt; \\*bold\\*\n");
        assertThat(md.lines().filter(l -> l.startsWith("#"))).allMatch(l -> !l.startsWith("# Owned"));
    }
}
