package dev.runner.results.charts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.Json;
import java.io.IOException;
import java.nio.file.Files;
import dev.runner.UserError;
import dev.runner.results.RunReader;
import dev.runner.train.LrRangeTest;
import java.util.LinkedHashMap;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code lr_range_test.png}: loss against learning rate on a log axis, raw (faint) and smoothed, every suggestion a
 * labelled vertical line with a dot on the smoothed curve. A range test's folder gets it, drawn from its
 * {@code lr_range_test.json}.
 */
public final class LrRangeTestChart implements RunChart {
    public static final String FILE = "lr_range_test.png";

    @Override
    public String file() {
        return FILE;
    }

    @Override
    public boolean applies(RunReader.Run run) {
        return !run.metrics() && dev.runner.ResultFiles.exists(run.folder(), LrRangeTest.FILE);
    }

    @Override
    public void draw(RunReader.Run run, Path png) {
        JsonNode n = dev.runner.ResultFiles.json(run.folder(), LrRangeTest.FILE, dev.runner.ResultFiles.JSON_LIMIT);
        if (n == null || !n.isObject()) {
            throw new UserError("cannot read " + run.folder().resolve(LrRangeTest.FILE) + ": not a JSON object");
        }
        Map<String, Double> suggestions = new LinkedHashMap<>();
        n.path("suggestions").fields().forEachRemaining(e -> suggestions.put(e.getKey(),
                e.getValue().path("lr").isNumber() ? e.getValue().path("lr").asDouble() : null));
        draw(png, run.name(), doubles(n.path("lr")), doubles(n.path("loss")), doubles(n.path("smoothed_loss")),
                suggestions);
    }

    /** A JSON array of numbers (null: NaN). */
    private static double[] doubles(JsonNode a) {
        if (!a.isArray()) {
            return new double[0];
        }
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).isNumber() ? a.get(i).asDouble() : Double.NaN;
        }
        return out;
    }

    /**
     * {@code lr_range_test.png}: loss against learning rate on a log axis, raw (faint) and smoothed, every
     * suggestion a labelled vertical line with a dot on the smoothed curve.
     *
     * @param suggestions name to learning rate, in the order to list them (e.g. steepest, min_div_10, valley)
     */
    public static void draw(Path png, String name, double[] lr, double[] loss, double[] smoothed,
                                   Map<String, Double> suggestions) {
        if (lr.length != loss.length || (smoothed != null && smoothed.length != lr.length)) {
            throw new IllegalArgumentException("lr, loss and smoothed loss must have the same length");
        }
        XYSeries rawS = new XYSeries("loss per iteration", false, true);
        XYSeries smS = new XYSeries("smoothed loss", false, true);
        double minLr = Double.POSITIVE_INFINITY;
        double maxLr = 0;
        for (int i = 0; i < lr.length; i++) {
            if (!(lr[i] > 0) || !Double.isFinite(lr[i])) {
                continue;
            }
            minLr = Math.min(minLr, lr[i]);
            maxLr = Math.max(maxLr, lr[i]);
            if (Double.isFinite(loss[i])) {
                rawS.add(lr[i], loss[i], false);
            }
            if (smoothed != null && Double.isFinite(smoothed[i])) {
                smS.add(lr[i], smoothed[i], false);
            }
        }
        LogAxis x = new LogAxis("learning rate (log scale)");
        x.setBase(10);
        x.setSmallestValue(1e-12);
        x.setNumberFormatOverride(new DecimalFormat("0.#E0"));
        if (maxLr > 0) {
            x.setRange(minLr / 1.3, maxLr * 1.3);
        }
        NumberAxis y = new NumberAxis("loss (cross-entropy)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot();
        plot.setDomainAxis(x);
        plot.setRangeAxis(y);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        XYLineAndShapeRenderer rawR = new XYLineAndShapeRenderer(true, false);
        rawR.setSeriesPaint(0, ChartStyle.faint(ChartStyle.TEST, 90));
        rawR.setSeriesStroke(0, ChartStyle.line(1.2f));
        XYLineAndShapeRenderer smR = new XYLineAndShapeRenderer(true, false);
        smR.setSeriesPaint(0, ChartStyle.TEST);
        smR.setSeriesStroke(0, ChartStyle.line(3f));
        plot.setDataset(0, new XYSeriesCollection(rawS));
        plot.setRenderer(0, rawR);
        plot.setDataset(1, new XYSeriesCollection(smS));
        plot.setRenderer(1, smR);

        // y range: the interesting part, not the diverged tail
        double[] sm = smoothed != null ? smoothed : loss;
        double best = Double.POSITIVE_INFINITY;
        double first = Double.NaN;
        double rawMax = Double.NEGATIVE_INFINITY;
        double rawMin = Double.POSITIVE_INFINITY;
        for (int i = 0; i < sm.length; i++) {
            if (Double.isFinite(sm[i])) {
                best = Math.min(best, sm[i]);
                if (Double.isNaN(first)) {
                    first = sm[i];
                }
            }
            if (Double.isFinite(loss[i])) {
                rawMax = Math.max(rawMax, loss[i]);
                rawMin = Math.min(rawMin, loss[i]);
            }
        }
        if (Double.isFinite(best) && Double.isFinite(rawMax)) {
            double top = Math.min(rawMax, first + 0.6 * Math.max(first - best, 0.05 * first));
            top = Math.max(top, first * 1.02);
            double bottom = Math.max(0, Math.min(best, rawMin) - 0.05 * (top - best));
            if (top > bottom) {
                y.setRange(bottom, top);
            }
        }

        List<LegendItem> extra = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, Double> e : suggestions.entrySet()) {
            double v = e.getValue() == null ? Double.NaN : e.getValue();
            if (!(v > 0) || !Double.isFinite(v)) {
                continue;
            }
            Color c = ChartStyle.palette(k == 0 ? 3 : k == 1 ? 2 : k == 2 ? 4 : 5 + k);
            ValueMarker m = new ValueMarker(v, c, ChartStyle.dashed(2f));
            String label = e.getKey() + " = " + ChartStyle.sci(v);
            m.setLabel(label);
            m.setLabelFont(ChartStyle.ANNOTATION);
            m.setLabelPaint(c);
            m.setLabelBackgroundColor(new Color(255, 255, 255, 230));
            m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            m.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
            m.setLabelOffset(new RectangleInsets(8 + 24 * k, 6, 4, 6));
            plot.addDomainMarker(m, Layer.FOREGROUND);
            double at = interpolate(lr, sm, v);
            if (Double.isFinite(at)) {
                plot.addAnnotation(new DotAnnotation(v, at, c));
            }
            extra.add(new LegendItem(label, null, null, null, new Rectangle2D.Double(-8, -1.5, 16, 3), c));
            k++;
        }
        LegendItemCollection items = new LegendItemCollection();
        items.add(new LegendItem(rawS.getKey().toString(), null, null, null,
                new Rectangle2D.Double(-8, -1, 16, 2), ChartStyle.faint(ChartStyle.TEST, 120)));
        items.add(new LegendItem(smS.getKey().toString(), null, null, null,
                new Rectangle2D.Double(-8, -1.5, 16, 3), ChartStyle.TEST));
        extra.forEach(items::add);
        plot.setFixedLegendItems(items);
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "LR range test"), ChartStyle.TITLE, plot, true);
        ChartStyle.apply(chart);
        ChartParts.save(chart, png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
    }

    /** A filled dot of fixed pixel size at a data point (XYShapeAnnotation would scale with a log axis). */
    private static final class DotAnnotation extends org.jfree.chart.annotations.AbstractXYAnnotation {
        private final double x;
        private final double y;
        private final Color color;

        DotAnnotation(double x, double y, Color color) {
            this.x = x;
            this.y = y;
            this.color = color;
        }

        @Override
        public void draw(java.awt.Graphics2D g2, XYPlot plot, Rectangle2D dataArea,
                         org.jfree.chart.axis.ValueAxis domainAxis, org.jfree.chart.axis.ValueAxis rangeAxis,
                         int rendererIndex, org.jfree.chart.plot.PlotRenderingInfo info) {
            double px = domainAxis.valueToJava2D(x, dataArea, plot.getDomainAxisEdge());
            double py = rangeAxis.valueToJava2D(y, dataArea, plot.getRangeAxisEdge());
            if (!dataArea.contains(px, py)) {
                return;
            }
            Ellipse2D dot = new Ellipse2D.Double(px - 6, py - 6, 12, 12);
            g2.setPaint(color);
            g2.fill(dot);
            g2.setPaint(Color.WHITE);
            g2.setStroke(new BasicStroke(2f));
            g2.draw(dot);
        }
    }

    private static double interpolate(double[] xs, double[] ys, double x) {
        for (int i = 1; i < xs.length; i++) {
            double a = xs[i - 1];
            double b = xs[i];
            if ((a <= x && x <= b) || (b <= x && x <= a)) {
                if (a == b) {
                    return ys[i];
                }
                double t = (Math.log(x) - Math.log(a)) / (Math.log(b) - Math.log(a));
                return ys[i - 1] + t * (ys[i] - ys[i - 1]);
            }
        }
        return Double.NaN;
    }
}
