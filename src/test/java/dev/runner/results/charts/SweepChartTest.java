package dev.runner.results.charts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runner.results.PngAssert;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.ui.RectangleEdge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sweep.png: dots coloured by the second key, log axes ticked 1/2/5 x 10^k as people write numbers. */
class SweepChartTest {
    @TempDir
    Path tmp;

    @Test
    void coloursByTheSecondKeyWithReadableLogTicks() throws Exception {
        List<Map<String, Object>> values = new ArrayList<>();
        List<Double> metric = new ArrayList<>();
        for (double lr : new double[] {1e-4, 3e-4, 1e-3}) {
            for (int b : new int[] {4, 8}) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("optimizer.sgd.lr", lr);
                v.put("data.batch_size", b);
                values.add(v);
                metric.add(0.3 + lr * 100 + (b == 8 ? 0.05 : 0));
            }
        }
        Path png = tmp.resolve("sweep.png");
        SweepChart.draw(png, "s", "test_accuracy", List.of("optimizer.sgd.lr", "data.batch_size"), values, metric, 5);
        BufferedImage img = ImageIO.read(png.toFile());
        SweepChart.Colours c = SweepChart.Colours.of("data.batch_size", List.of(4, 8, 4, 8));
        assertThat(c.labels()).containsExactly("4", "8");
        // both colours are drawn: the first panel's dots by batch size
        for (int i = 0; i < 2; i++) {
            assertThat(PngAssert.count(img, ((Color) c.paint(i)).getRGB(), 8)).as("colour " + i).isGreaterThan(40);
        }
        assertThat(SweepChart.Colours.of("x", List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)).labels())
                .hasSize(SweepChart.COLOURS).first().isEqualTo("1 to 2");

        SweepChart.DecadeAxis axis = new SweepChart.DecadeAxis("lr", 1e-4 / 1.6, 1e-3 * 1.6);
        List<String> labels = new ArrayList<>();
        for (Object t : axis.refreshTicks(null, new AxisState(), new java.awt.geom.Rectangle2D.Double(0, 0, 400, 300),
                RectangleEdge.BOTTOM)) {
            labels.add(((NumberTick) t).getText());
        }
        assertThat(labels).containsExactly("1e-4", "2e-4", "5e-4", "1e-3");
        SweepChart.DecadeAxis wide = new SweepChart.DecadeAxis("lr", 1e-6, 10);
        List<String> wideLabels = new ArrayList<>();
        for (Object t : wide.refreshTicks(null, new AxisState(), new java.awt.geom.Rectangle2D.Double(0, 0, 400, 300),
                RectangleEdge.BOTTOM)) {
            wideLabels.add(((NumberTick) t).getText());
        }
        assertThat(wideLabels).containsExactly("1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1", "10");
        Files.copy(png, Path.of("target/serve-screenshots/sweep-png.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
