package dev.runner.results.charts;

import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code runner diff --plot}: runs overlaid, loss above and accuracy below, one colour per run. */
public final class OverlayChart {
    /** Its size (two panels). */
    public static final int WIDTH = 1000;
    public static final int HEIGHT = 900;

    private OverlayChart() {
    }

    /**
     * Two (or more) runs overlaid for {@code diff --plot}: loss per epoch in the upper panel (test solid, train
     * dashed), accuracy per epoch in the lower panel (test solid, train dashed when measured), one colour per
     * run.
     *
     * @param trainLoss     per run: mean train loss per epoch (an entry may be null)
     * @param testLoss      per run: test loss per epoch (an entry may be null)
     * @param testAccuracy  per run: test accuracy per epoch, fractions (an entry may be null)
     * @param trainAccuracy per run: train accuracy per epoch, fractions, or null (the list or an entry)
     */
    public static void draw(Path png, String title, List<String> runNames, List<double[]> trainLoss,
                               List<double[]> testLoss, List<double[]> testAccuracy, List<double[]> trainAccuracy) {
        int n = runNames.size();
        XYSeriesCollection lossDs = new XYSeriesCollection();
        XYSeriesCollection accDs = new XYSeriesCollection();
        XYLineAndShapeRenderer lossR = new XYLineAndShapeRenderer(true, true);
        XYLineAndShapeRenderer accR = new XYLineAndShapeRenderer(true, true);
        int maxEpochs = 1;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            Color c = ChartStyle.palette(i);
            String run = runNames.get(i);
            for (int k = 2; !seen.add(run); k++) {
                run = runNames.get(i) + " (" + k + ")";   // the same run twice: series keys must differ
            }
            double[] tl = ChartParts.get(testLoss, i);
            double[] trl = ChartParts.get(trainLoss, i);
            double[] ta = ChartParts.get(testAccuracy, i);
            double[] tra = ChartParts.get(trainAccuracy, i);
            maxEpochs = Math.max(maxEpochs, Math.max(Math.max(ChartParts.len(tl), ChartParts.len(trl)), Math.max(ChartParts.len(ta), ChartParts.len(tra))));
            if (tl != null) {
                addSeries(lossDs, lossR, ChartParts.perEpoch(run + ": test loss", tl, 1), c, false);
            }
            if (trl != null) {
                addSeries(lossDs, lossR, ChartParts.perEpoch(run + ": train loss", trl, 1), c, true);
            }
            if (ta != null) {
                addSeries(accDs, accR, ChartParts.perEpoch(run + ": test accuracy", ta, 100), c, false);
            }
            if (tra != null) {
                addSeries(accDs, accR, ChartParts.perEpoch(run + ": train accuracy", tra, 100), c, true);
            }
        }
        NumberAxis x = ChartParts.epochAxis();
        x.setRange(0.5, maxEpochs + 0.5);
        NumberAxis ly = new NumberAxis("loss (cross-entropy)");
        ly.setAutoRangeIncludesZero(false);
        NumberAxis ay = new NumberAxis("accuracy (%)");
        ay.setAutoRangeIncludesZero(false);
        ay.setNumberFormatOverride(new DecimalFormat("0"));
        XYPlot lossPlot = new XYPlot(lossDs, null, ly, lossR);
        XYPlot accPlot = new XYPlot(accDs, null, ay, accR);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(x);
        plot.setGap(16);
        plot.add(lossPlot, 1);
        plot.add(accPlot, 1);
        // legend: one colour per run, then what solid and dashed mean
        LegendItemCollection items = new LegendItemCollection();
        for (int i = 0; i < n; i++) {
            items.add(lineItem(runNames.get(i), ChartStyle.palette(i), ChartStyle.line(3f)));
        }
        items.add(lineItem("solid: test", Color.DARK_GRAY, ChartStyle.line(2.5f)));
        items.add(lineItem("dashed: train", Color.DARK_GRAY, ChartStyle.dashed(2f)));
        plot.setFixedLegendItems(items);
        JFreeChart chart = new JFreeChart(title, ChartStyle.TITLE, plot, true);
        ChartStyle.apply(chart);
        ChartParts.save(chart, png, WIDTH, HEIGHT);
    }

    private static LegendItem lineItem(String label, Color c, java.awt.Stroke stroke) {
        java.awt.geom.Line2D line = new java.awt.geom.Line2D.Double(-14, 0, 14, 0);
        return new LegendItem(label, null, null, null, false, line, false, c, false, c, stroke, true, line, stroke,
                c);
    }

    private static void addSeries(XYSeriesCollection ds, XYLineAndShapeRenderer r, XYSeries s, Color c,
                                  boolean dashed) {
        int idx = ds.getSeriesCount();
        ds.addSeries(s);
        r.setSeriesPaint(idx, c);
        r.setSeriesStroke(idx, dashed ? ChartStyle.dashed(2f) : ChartStyle.line(2.5f));
        r.setSeriesShape(idx, dashed ? new Rectangle2D.Double(-4, -4, 8, 8) : new Ellipse2D.Double(-5, -5, 10, 10));
        r.setSeriesShapesFilled(idx, !dashed);
        r.setUseFillPaint(false);
    }
}
