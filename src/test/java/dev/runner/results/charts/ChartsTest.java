package dev.runner.results.charts;

import static dev.runner.results.PngAssert.assertChart;
import static dev.runner.results.PngAssert.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runner.results.Fixtures;
import dev.runner.results.PngAssert;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
    static Fixtures f;

    @TempDir
    Path tmp;

    @BeforeAll
    static void data() {
        f = new Fixtures(7);
    }

    @Test
    void lossChart() throws Exception {
        Path png = PngAssert.outDir(tmp).resolve("loss.png");
        LossChart.draw(png, "resnet9_aug", f.iterLoss, Fixtures.ITERS_PER_EPOCH, f.trainLoss, f.testLoss);
        BufferedImage img = assertChart(png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        // the EMA line in the train colour and the test points in the test colour are drawn
        assertThat(count(img, LossChart.EMA.getRGB(), 8)).isGreaterThan(500);
        assertThat(count(img, ChartStyle.TEST.getRGB(), 8)).isGreaterThan(300);
    }

    @Test
    void accuracyChartWithAndWithoutTrain() throws Exception {
        Path png = PngAssert.outDir(tmp).resolve("accuracy.png");
        AccuracyChart.draw(png, "resnet9_aug", f.trainAcc, f.testAcc);
        BufferedImage img = assertChart(png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        assertThat(count(img, ChartStyle.TRAIN.getRGB(), 8)).isGreaterThan(300);
        Path testOnly = tmp.resolve("accuracy_test_only.png");
        AccuracyChart.draw(testOnly, "origin", null, new double[]{0.41, 0.53});
        BufferedImage img2 = assertChart(testOnly, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        assertThat(count(img2, ChartStyle.TRAIN.getRGB(), 8)).isZero();
        assertThat(count(img2, ChartStyle.TEST.getRGB(), 8)).isGreaterThan(300);
    }

    @Test
    void lrChart() throws Exception {
        Path png = PngAssert.outDir(tmp).resolve("lr.png");
        LrChart.draw(png, "resnet9_aug", f.iterLr, Fixtures.ITERS_PER_EPOCH);
        BufferedImage img = assertChart(png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        assertThat(count(img, ChartStyle.palette(2).getRGB(), 8)).isGreaterThan(500);
    }

    @Test
    void perClassChart() throws Exception {
        Path png = PngAssert.outDir(tmp).resolve("per_class_accuracy.png");
        PerClassAccuracyChart.draw(png, "resnet9_aug", Fixtures.CLASSES, f.perClassTest, f.perClassTrain,
                f.overallTest());
        BufferedImage img = assertChart(png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        long test = count(img, ChartStyle.TEST.getRGB(), 3);
        long train = count(img, ChartStyle.TRAIN.getRGB(), 3);
        // ten bars of each, roughly the same area since accuracies are close
        assertThat(test).isGreaterThan(10_000);
        assertThat(train).isGreaterThan(10_000);
        assertThat(count(img, ChartStyle.MARKER.getRGB(), 10)).as("overall marker line and label").isGreaterThan(200);

        Path testOnly = tmp.resolve("per_class_test_only.png");
        PerClassAccuracyChart.draw(testOnly, "origin", Fixtures.CLASSES, f.perClassTest, null, Double.NaN);
        BufferedImage img2 = assertChart(testOnly, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        assertThat(count(img2, ChartStyle.TRAIN.getRGB(), 3)).isZero();
        assertThat(count(img2, ChartStyle.MARKER.getRGB(), 10)).isZero();
    }

    @Test
    void confusionMatrixChart() throws Exception {
        Path png = PngAssert.outDir(tmp).resolve("confusion_matrix.png");
        ConfusionMatrixChart.draw(png, "resnet9_aug", Fixtures.CLASSES, f.confusion);
        BufferedImage img = assertChart(png, ConfusionMatrixChart.WIDTH, ConfusionMatrixChart.HEIGHT);
        // the diagonal cells are the darkest blue of the scale; ten of them cover a real area
        Color darkest = (Color) new ConfusionMatrixChart.BluesScale().getPaint(0.97);
        assertThat(count(img, darkest.getRGB(), 20)).isGreaterThan(10 * 2000);
        assertThatThrownBy(() -> ConfusionMatrixChart.draw(tmp.resolve("x.png"), "x", Fixtures.CLASSES, new int[3][3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 rows for 10 classes");
    }

    @Test
    void lrRangeTestChart() throws Exception {
        int n = 300;
        double[] lr = new double[n];
        double[] loss = new double[n];
        double[] smooth = new double[n];
        java.util.Random r = new java.util.Random(3);
        double avg = 0;
        for (int i = 0; i < n; i++) {
            lr[i] = 1e-7 * Math.pow(1e7, i / (n - 1.0));
            double l = Math.log10(lr[i]);
            double base = l < -4 ? 2.31 : l < -2.2 ? 2.31 - 0.35 * (l + 4) : 1.68 + 2.5 * Math.pow(l + 2.2, 2);
            loss[i] = base + 0.05 * r.nextGaussian();
            avg = 0.05 * loss[i] + 0.95 * avg;
            smooth[i] = avg / (1 - Math.pow(0.95, i + 1));
        }
        Map<String, Double> sugg = new LinkedHashMap<>();
        sugg.put("steepest", 1.1e-3);
        sugg.put("min_div_10", 6.3e-4);
        sugg.put("valley", 2.4e-3);
        Path png = PngAssert.outDir(tmp).resolve("lr_range_test.png");
        LrRangeTestChart.draw(png, "resnet9_lrfind", lr, loss, smooth, sugg);
        BufferedImage img = assertChart(png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
        for (int k = 0; k < 3; k++) {
            Color c = ChartStyle.palette(k == 0 ? 3 : k == 1 ? 2 : 4);
            assertThat(count(img, c.getRGB(), 10)).as("suggestion %d drawn", k).isGreaterThan(100);
        }
    }

    @Test
    void overlayChart() throws Exception {
        Fixtures g = new Fixtures(11);
        double[] shortTest = java.util.Arrays.copyOf(g.testAcc, 12);
        Path png = PngAssert.outDir(tmp).resolve("diff.png");
        OverlayChart.draw(png, "resnet9 vs resnet9_aug", List.of("resnet9", "resnet9_aug"),
                List.of(f.trainLoss, java.util.Arrays.copyOf(g.trainLoss, 12)),
                List.of(f.testLoss, java.util.Arrays.copyOf(g.testLoss, 12)),
                List.of(f.testAcc, shortTest), java.util.Arrays.asList(f.trainAcc, null));
        BufferedImage img = assertChart(png, OverlayChart.WIDTH, OverlayChart.HEIGHT);
        assertThat(count(img, ChartStyle.palette(0).getRGB(), 8)).isGreaterThan(500);
        assertThat(count(img, ChartStyle.palette(1).getRGB(), 8)).isGreaterThan(300);
    }

    @Test
    void emaIsBiasCorrected() {
        double[] v = {2, 2, 2, 2};
        assertThat(LossChart.ema(v, 10)).containsExactly(new double[]{2, 2, 2, 2}, org.assertj.core.data.Offset.offset(1e-12));
        double[] step = LossChart.ema(new double[]{0, 10}, 2);
        // beta 0.5: avg1 = 0, avg2 = 5; corrections 1/(1-0.5)=2, 1/(1-0.25)
        assertThat(step[1]).isCloseTo(5 / 0.75, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(LossChart.emaWindow(18_000)).isEqualTo(180);
        assertThat(LossChart.emaWindow(50)).isEqualTo(1);
        assertThat(LossChart.ema(new double[]{3, 1, 2}, 1)).containsExactly(3, 1, 2);
        assertThat(LrChart.niceStep(0.00135)).isEqualTo(0.002, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(LrChart.niceStep(0.022)).isEqualTo(0.025, org.assertj.core.data.Offset.offset(1e-15));
    }

    @Test
    void degenerateInputsStillGiveAChart() throws Exception {
        // a run that failed in its first epoch: a NaN loss, no epoch rows yet
        Path loss = tmp.resolve("loss_failed.png");
        LossChart.draw(loss, "origin", new double[]{2.3, 2.2, Double.NaN}, 12500, new double[0], null);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(loss.toFile());
        assertThat(img.getWidth()).isEqualTo(ChartStyle.WIDTH);
        assertThat(count(img, LossChart.EMA.getRGB(), 8)).isPositive();
        Path lr = tmp.resolve("lr_empty.png");
        LrChart.draw(lr, "origin", new double[0], 10);
        assertThat(javax.imageio.ImageIO.read(lr.toFile()).getHeight()).isEqualTo(ChartStyle.HEIGHT);
        Path acc = tmp.resolve("acc_empty.png");
        AccuracyChart.draw(acc, "origin", null, new double[0]);
        assertThat(javax.imageio.ImageIO.read(acc.toFile()).getHeight()).isEqualTo(ChartStyle.HEIGHT);
        assertThatThrownBy(() -> LossChart.draw(tmp.resolve("x.png"), "x", new double[1], 0, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("itersPerEpoch must be > 0, was 0");
        Path blocked = java.nio.file.Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> LrChart.draw(blocked.resolve("lr.png"), "x", new double[]{1}, 1))
                .isInstanceOf(dev.runner.UserError.class).hasMessageStartingWith("cannot write " + blocked.resolve("lr.png"));
    }
}
