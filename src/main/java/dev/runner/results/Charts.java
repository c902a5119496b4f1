package dev.runner.results;

import dev.runner.AtomicFiles;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.DecimalFormat;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.runner.UserError;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The charts of a results folder, drawn with JFreeChart in one shared style ({@link ChartStyle}) and written as
 * PNG. Every method takes plain data, so the trainer can call it while (or after) training; {@link #drawRun}
 * draws the standard set from a folder's {@code metrics.json}.
 *
 * <p>Accuracies are passed as fractions (0..1, as in metrics.json) and drawn in percent. The x axis of
 * per-iteration data is in epochs: iteration {@code i} (0-based) sits at {@code (i + 1) / itersPerEpoch}.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Size of the confusion matrix PNG (the others are {@link ChartStyle#WIDTH} x {@link ChartStyle#HEIGHT}). */
    public static final int MATRIX_WIDTH = 1000;
    public static final int MATRIX_HEIGHT = 860;
    /** Size of the {@link #overlay} PNG (two panels). */
    public static final int OVERLAY_WIDTH = 1000;
    public static final int OVERLAY_HEIGHT = 900;
    public static final int WIDTH = ChartStyle.WIDTH;
    public static final int HEIGHT = ChartStyle.HEIGHT;

    /** The per-iteration EMA: the train colour, a shade darker so it stands out of the raw band. */
    static final Color EMA = new Color(0xe6550d);

    private Charts() {
    }

    // ---------------------------------------------------------------- loss

    /**
     * {@code loss.png}: per-iteration training loss (raw, faint, and its bias-corrected EMA) and the per-epoch
     * mean train loss and test loss as points at the end of each epoch.
     *
     * @param iterLoss       loss of every iteration, in order (may be empty)
     * @param itersPerEpoch  iterations per epoch (> 0)
     * @param epochTrainLoss mean training loss per epoch (nullable)
     * @param epochTestLoss  test loss per epoch (nullable)
     */
    public static void loss(Path png, String name, double[] iterLoss, int itersPerEpoch, double[] epochTrainLoss,
                            double[] epochTestLoss) {
        requirePositive(itersPerEpoch, "itersPerEpoch");
        double[] raw = iterLoss == null ? new double[0] : iterLoss;
        int window = emaWindow(raw.length);
        double[] ema = ema(raw, window);

        XYSeriesCollection rawDs = new XYSeriesCollection();
        XYSeries rawS = new XYSeries("train loss per iteration", false, true);
        XYSeriesCollection smoothDs = new XYSeriesCollection();
        boolean smooth = window > 1;
        XYSeries emaS = new XYSeries(smooth ? "train loss per iteration (EMA over ~" + window + " iterations)"
                : "train loss per iteration", false, true);
        for (int i = 0; i < raw.length; i++) {
            double x = (i + 1) / (double) itersPerEpoch;
            if (Double.isFinite(raw[i])) {
                rawS.add(x, raw[i], false);
            }
            if (Double.isFinite(ema[i])) {
                emaS.add(x, ema[i], false);
            }
        }
        if (smooth) {
            rawDs.addSeries(rawS);
        }
        smoothDs.addSeries(emaS);

        XYSeriesCollection epochDs = new XYSeriesCollection();
        epochDs.addSeries(perEpoch("train loss per epoch (mean)", epochTrainLoss, 1));
        epochDs.addSeries(perEpoch("test loss per epoch", epochTestLoss, 1));

        int epochs = Math.max(Math.max(len(epochTrainLoss), len(epochTestLoss)),
                (int) Math.ceil(raw.length / (double) itersPerEpoch));
        NumberAxis x = epochAxis(Math.max(1, epochs));
        NumberAxis y = new NumberAxis("loss (cross-entropy)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot();
        plot.setDomainAxis(x);
        plot.setRangeAxis(y);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);

        XYLineAndShapeRenderer rawR = new XYLineAndShapeRenderer(true, false);
        rawR.setSeriesPaint(0, ChartStyle.faint(ChartStyle.TRAIN, raw.length > 10000 ? 16 : raw.length > 2000 ? 22 : 60));
        rawR.setSeriesStroke(0, ChartStyle.line(1f));
        XYLineAndShapeRenderer emaR = new XYLineAndShapeRenderer(true, false);
        emaR.setSeriesPaint(0, EMA);
        emaR.setSeriesStroke(0, ChartStyle.line(3f));
        XYLineAndShapeRenderer epochR = new XYLineAndShapeRenderer(true, true);
        epochR.setSeriesPaint(0, EMA.darker());
        epochR.setSeriesPaint(1, ChartStyle.TEST);
        epochR.setSeriesStroke(0, ChartStyle.dashed(1.5f));
        epochR.setSeriesStroke(1, ChartStyle.line(2.5f));
        epochR.setSeriesShape(0, new Rectangle2D.Double(-5, -5, 10, 10));
        epochR.setSeriesShape(1, new Ellipse2D.Double(-6, -6, 12, 12));
        epochR.setUseFillPaint(true);
        epochR.setSeriesFillPaint(0, Color.WHITE);
        epochR.setSeriesFillPaint(1, ChartStyle.TEST);
        epochR.setDrawOutlines(true);
        epochR.setUseOutlinePaint(false);
        epochR.setSeriesOutlineStroke(0, ChartStyle.line(2f));

        plot.setDataset(0, rawDs);
        plot.setRenderer(0, rawR);
        plot.setDataset(1, smoothDs);
        plot.setRenderer(1, emaR);
        plot.setDataset(2, epochDs);
        plot.setRenderer(2, epochR);

        double[] range = lossRange(raw, ema, epochTrainLoss, epochTestLoss);
        if (range != null) {
            y.setRange(range[0], range[1]);
        }
        // a little room right of the last epoch so its markers are not cut in half
        x.setRange(0, Math.max(1, epochs) * 1.02);
        LegendItemCollection items = new LegendItemCollection();
        if (smooth) {
            items.add(new LegendItem(rawS.getKey().toString(), null, null, null,
                    new Rectangle2D.Double(-10, -1, 20, 2), ChartStyle.faint(ChartStyle.TRAIN, 110)));
        }
        items.add(new LegendItem(emaS.getKey().toString(), null, null, null,
                new Rectangle2D.Double(-10, -1.5, 20, 3), EMA));
        plot.setFixedLegendItems(null);
        LegendItemCollection auto = epochR.getLegendItems();
        for (int i = 0; i < auto.getItemCount(); i++) {
            items.add(auto.get(i));
        }
        plot.setFixedLegendItems(items);
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "loss"), ChartStyle.TITLE, plot, true);
        ChartStyle.apply(chart);
        save(chart, png, WIDTH, HEIGHT);
    }

    // ---------------------------------------------------------------- accuracy

    /**
     * {@code accuracy.png}: test (and train, when measured) accuracy per epoch, in percent.
     *
     * @param train fractions per epoch, or null when not measured
     * @param test  fractions per epoch
     */
    public static void accuracy(Path png, String name, double[] train, double[] test) {
        XYSeriesCollection ds = new XYSeriesCollection();
        ds.addSeries(perEpoch("test accuracy", test, 100));
        if (train != null) {
            ds.addSeries(perEpoch("train accuracy (evaluation mode)", train, 100));
        }
        int epochs = Math.max(len(test), len(train));
        NumberAxis x = epochAxis(epochs);
        x.setRange(0.5, epochs + 0.5 + Math.max(0.6, epochs * 0.07));
        NumberAxis y = new NumberAxis("accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        y.setNumberFormatOverride(new DecimalFormat("0"));
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        r.setSeriesPaint(0, ChartStyle.TEST);
        r.setSeriesPaint(1, ChartStyle.TRAIN);
        r.setSeriesStroke(0, ChartStyle.line(2.5f));
        r.setSeriesStroke(1, ChartStyle.dashed(2.5f));
        r.setSeriesShape(0, new Ellipse2D.Double(-5, -5, 10, 10));
        r.setSeriesShape(1, new Rectangle2D.Double(-5, -5, 10, 10));
        XYPlot plot = new XYPlot(ds, x, y, r);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] s : new double[][]{train, test}) {
            if (s == null) {
                continue;
            }
            for (double v : s) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v * 100);
                    hi = Math.max(hi, v * 100);
                }
            }
        }
        if (lo <= hi) {
            double pad = Math.max(2, (hi - lo) * 0.12);
            y.setRange(Math.max(0, lo - pad), Math.min(100, hi + pad) + (hi + pad > 100 ? 2 : 0));
        }
        // the final value of each series, written just right of its last point (higher one above, lower below)
        double[] last = new double[ds.getSeriesCount()];
        for (int s = 0; s < last.length; s++) {
            XYSeries series = ds.getSeries(s);
            last[s] = series.getItemCount() == 0 ? Double.NaN
                    : series.getY(series.getItemCount() - 1).doubleValue();
        }
        for (int s = 0; s < ds.getSeriesCount(); s++) {
            XYSeries series = ds.getSeries(s);
            if (series.getItemCount() == 0) {
                continue;
            }
            double lx = series.getX(series.getItemCount() - 1).doubleValue();
            double ly = last[s];
            boolean highest = true;
            for (int o = 0; o < last.length; o++) {
                if (o != s && last[o] > ly) {
                    highest = false;
                }
            }
            XYTextAnnotation a = new XYTextAnnotation(String.format(Locale.ROOT, " %.1f %%", ly), lx + 0.12, ly);
            a.setFont(ChartStyle.ANNOTATION);
            a.setPaint(s == 0 ? ChartStyle.TEST : ChartStyle.TRAIN.darker());
            a.setTextAnchor(last.length == 1 ? TextAnchor.CENTER_LEFT
                    : highest ? TextAnchor.BOTTOM_LEFT : TextAnchor.TOP_LEFT);
            plot.addAnnotation(a);
        }
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "accuracy per epoch"), ChartStyle.TITLE, plot, true);
        ChartStyle.apply(chart);
        save(chart, png, WIDTH, HEIGHT);
    }

    // ---------------------------------------------------------------- lr

    /** {@code lr.png}: the learning rate of every iteration, x axis in epochs. */
    public static void lr(Path png, String name, double[] iterLr, int itersPerEpoch) {
        requirePositive(itersPerEpoch, "itersPerEpoch");
        XYSeries s = new XYSeries("learning rate", false, true);
        double[] v = iterLr == null ? new double[0] : iterLr;
        double max = 0;
        for (int i = 0; i < v.length; i++) {
            if (Double.isFinite(v[i])) {
                s.add((i + 1) / (double) itersPerEpoch, v[i], false);
                max = Math.max(max, Math.abs(v[i]));
            }
        }
        int epochs = (int) Math.max(1, Math.ceil(v.length / (double) itersPerEpoch));
        NumberAxis x = epochAxis(epochs);
        x.setRange(0, epochs * 1.02);
        NumberAxis y = new NumberAxis("learning rate");
        y.setAutoRangeIncludesZero(true);
        y.setNumberFormatOverride(lrFormat(max));
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setSeriesPaint(0, ChartStyle.palette(2));
        r.setSeriesStroke(0, ChartStyle.line(2.5f));
        XYPlot plot = new XYPlot(new XYSeriesCollection(s), x, y, r);
        if (max > 0) {
            y.setRange(0, max * 1.08);
            y.setTickUnit(new NumberTickUnit(niceStep(max * 1.08 / 8), lrFormat(max)));
        }
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "learning rate per iteration"), ChartStyle.TITLE,
                plot, true);
        ChartStyle.apply(chart);
        save(chart, png, WIDTH, HEIGHT);
    }

    // ---------------------------------------------------------------- per class

    /**
     * {@code per_class_accuracy.png}: grouped bars per class (test; train too when given), the overall test
     * accuracy as a labelled horizontal line.
     *
     * @param test        class name to fraction
     * @param train       class name to fraction, or null
     * @param overallTest overall test accuracy (fraction); NaN to omit the line
     */
    public static void perClassAccuracy(Path png, String name, List<String> classes, Map<String, Double> test,
                                        Map<String, Double> train, double overallTest) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (String c : classes) {
            Double t = test == null ? null : test.get(c);
            ds.addValue(t == null ? null : t * 100, "test", c);
        }
        if (train != null) {
            for (String c : classes) {
                Double t = train.get(c);
                ds.addValue(t == null ? null : t * 100, "train (evaluation mode)", c);
            }
        }
        CategoryAxis x = new CategoryAxis("class");
        x.setCategoryMargin(0.25);
        x.setLowerMargin(0.01);
        // room right of the last class for the overall-accuracy label
        x.setUpperMargin(Double.isFinite(overallTest) ? 0.09 : 0.01);
        if (classes.size() > 12) {
            x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        x.setMaximumCategoryLabelWidthRatio(1.6f); // CIFAR's "automobile" is wider than its bars
        NumberAxis y = new NumberAxis("accuracy (%)");
        y.setRange(0, 108);
        y.setTickUnit(new NumberTickUnit(10, new DecimalFormat("0")));
        BarRenderer r = new BarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(false);
        r.setItemMargin(0.05);
        r.setSeriesPaint(0, ChartStyle.TEST);
        r.setSeriesPaint(1, ChartStyle.TRAIN);
        r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0")));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(new Font(ChartStyle.FAMILY, Font.PLAIN, classes.size() > 12 ? 10 : 12));
        r.setDefaultItemLabelPaint(ChartStyle.TEXT);
        r.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12,
                TextAnchor.BOTTOM_CENTER));
        CategoryPlot plot = new CategoryPlot(ds, x, y, r);
        plot.setOrientation(PlotOrientation.VERTICAL);
        if (Double.isFinite(overallTest)) {
            ValueMarker m = new ValueMarker(overallTest * 100, ChartStyle.MARKER, ChartStyle.dashed(2f));
            String label = String.format(Locale.ROOT, "%.1f %%", overallTest * 100);
            m.setLabel("overall " + label);
            m.setLabelFont(ChartStyle.ANNOTATION);
            m.setLabelPaint(ChartStyle.MARKER);
            m.setLabelBackgroundColor(new Color(255, 255, 255, 0));
            m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
            m.setLabelOffset(new RectangleInsets(2, 2, 2, 2));
            plot.addRangeMarker(m, Layer.FOREGROUND);
            LegendItemCollection items = new LegendItemCollection();
            LegendItemCollection auto = r.getLegendItems();
            for (int i = 0; i < auto.getItemCount(); i++) {
                items.add(auto.get(i));
            }
            LegendItem li = new LegendItem("overall test accuracy " + label, null, null, null, false,
                    new java.awt.geom.Line2D.Double(-10, 0, 10, 0), false, ChartStyle.MARKER, false,
                    ChartStyle.MARKER, ChartStyle.dashed(2f), true, new java.awt.geom.Line2D.Double(-12, 0, 12, 0),
                    ChartStyle.dashed(2f), ChartStyle.MARKER);
            items.add(li);
            plot.setFixedLegendItems(items);
        }
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "accuracy per class"), ChartStyle.TITLE, plot, true);
        ChartStyle.apply(chart);
        save(chart, png, WIDTH, HEIGHT);
    }

    // ---------------------------------------------------------------- confusion matrix

    /**
     * {@code confusion_matrix.png}: a heatmap, rows = true class (top to bottom in class order), columns =
     * predicted class, the count in every cell. Cell colour is the share of the row (the true class), so
     * unbalanced classes still read correctly.
     */
    public static void confusionMatrix(Path png, String name, List<String> classes, int[][] counts) {
        int n = classes.size();
        if (counts.length != n) {
            throw new IllegalArgumentException("confusion matrix has " + counts.length + " rows for " + n
                    + " classes");
        }
        double[] xs = new double[n * n];
        double[] ys = new double[n * n];
        double[] zs = new double[n * n];
        long total = 0;
        long correct = 0;
        for (int r = 0; r < n; r++) {
            if (counts[r].length != n) {
                throw new IllegalArgumentException("confusion matrix row " + r + " has " + counts[r].length
                        + " columns for " + n + " classes");
            }
            long rowSum = 0;
            for (int c = 0; c < n; c++) {
                rowSum += counts[r][c];
            }
            total += rowSum;
            correct += counts[r][r];
            for (int c = 0; c < n; c++) {
                int k = r * n + c;
                xs[k] = c;
                ys[k] = r;
                zs[k] = rowSum == 0 ? 0 : counts[r][c] / (double) rowSum;
            }
        }
        DefaultXYZDataset ds = new DefaultXYZDataset();
        ds.addSeries("counts", new double[][]{xs, ys, zs});
        String[] names = classes.toArray(new String[0]);
        SymbolAxis x = new SymbolAxis("predicted class", names);
        x.setGridBandsVisible(false);
        x.setRange(-0.5, n - 0.5);
        x.setVerticalTickLabels(n > 6 && maxLength(names) > 5);
        SymbolAxis y = new SymbolAxis("true class", names);
        y.setGridBandsVisible(false);
        y.setRange(-0.5, n - 0.5);
        y.setInverted(true);
        XYBlockRenderer r = new XYBlockRenderer();
        BluesScale scale = new BluesScale();
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(ds, x, y, r);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setOutlinePaint(new Color(0x999999));
        int fontSize = n <= 10 ? 15 : n <= 20 ? 11 : 8;
        Font cellFont = new Font(ChartStyle.FAMILY, Font.BOLD, fontSize);
        for (int k = 0; k < n * n; k++) {
            int rr = (int) ys[k];
            int cc = (int) xs[k];
            XYTextAnnotation a = new XYTextAnnotation(Integer.toString(counts[rr][cc]), xs[k], ys[k]);
            a.setFont(cellFont);
            a.setPaint(ChartStyle.textOn((Color) scale.getPaint(zs[k])));
            a.setTextAnchor(TextAnchor.CENTER);
            plot.addAnnotation(a);
        }
        String subtitle = String.format(Locale.ROOT,
                "rows: true class, columns: predicted class; %d test images, %d correct (%.1f %%)",
                total, correct, total == 0 ? 0.0 : 100.0 * correct / total);
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "confusion matrix (test)"), ChartStyle.TITLE,
                plot, false);
        TextTitle sub = new TextTitle(subtitle, ChartStyle.SUBTITLE);
        sub.setPaint(ChartStyle.TEXT);
        chart.addSubtitle(sub);
        NumberAxis scaleAxis = new NumberAxis("share of the true class (%)");
        scaleAxis.setRange(0, 100);
        scaleAxis.setTickUnit(new NumberTickUnit(10, new DecimalFormat("0")));
        ChartStyle.axis(scaleAxis);
        PaintScaleLegend legend = new PaintScaleLegend(new PercentScale(scale), scaleAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setMargin(new RectangleInsets(10, 16, 10, 4));
        legend.setStripWidth(18);
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        ChartStyle.apply(chart);
        save(chart, png, MATRIX_WIDTH, MATRIX_HEIGHT);
    }

    /** White to dark blue over 0..1 (matplotlib's "Blues", interpolated). */
    static final class BluesScale implements PaintScale {
        private static final int[] STOPS = {0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5,
                0x08519c, 0x08306b};

        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 1;
        }

        @Override
        public java.awt.Paint getPaint(double value) {
            double v = Double.isFinite(value) ? Math.max(0, Math.min(1, value)) : 0;
            // a square-root ramp: small confusions (a few %) stay visible next to a 60 % diagonal
            double t = Math.sqrt(v) * (STOPS.length - 1);
            int i = Math.min(STOPS.length - 2, (int) Math.floor(t));
            double f = t - i;
            Color a = new Color(STOPS[i]);
            Color b = new Color(STOPS[i + 1]);
            return new Color((int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * f),
                    (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * f),
                    (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * f));
        }
    }

    /** The same scale over 0..100 for the legend. */
    private record PercentScale(PaintScale inner) implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return 100;
        }

        @Override
        public java.awt.Paint getPaint(double value) {
            return inner.getPaint(value / 100);
        }
    }

    // ---------------------------------------------------------------- LR range test

    /**
     * {@code lr_range_test.png}: loss against learning rate on a log axis, raw (faint) and smoothed, every
     * suggestion a labelled vertical line with a dot on the smoothed curve.
     *
     * @param suggestions name to learning rate, in the order to list them (e.g. steepest, min_div_10, valley)
     */
    public static void lrRangeTest(Path png, String name, double[] lr, double[] loss, double[] smoothed,
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
            String label = e.getKey() + " = " + sci(v);
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
        save(chart, png, WIDTH, HEIGHT);
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

    // ---------------------------------------------------------------- sweep

    /**
     * {@code sweep.png}: the sweep's metric against each swept key, one panel per key side by side, sharing the
     * metric's axis; one dot per finished trial, the best ringed. Numeric keys get a number axis, a log axis for
     * learning rates (a key ending in {@code lr}) and for positive values spanning 50x or more; other values
     * (lists, strings) one column each, labelled as written.
     *
     * @param values per trial, the swept keys' values
     * @param metric per trial, the metric (null or NaN: not drawn)
     * @param best   index of the best trial in the lists, or -1
     */
    public static void sweep(Path png, String name, String metricName, List<String> keys,
                             List<Map<String, Object>> values, List<Double> metric, int best) {
        boolean accuracy = metricName.endsWith("accuracy");
        NumberAxis y = new NumberAxis(metricName.replace('_', ' ') + (accuracy ? " (%)" : ""));
        y.setAutoRangeIncludesZero(false);
        org.jfree.chart.plot.CombinedRangeXYPlot combined = new org.jfree.chart.plot.CombinedRangeXYPlot(y);
        combined.setGap(16);
        for (String key : keys) {
            List<Object> xs = new ArrayList<>();
            boolean numeric = true;
            for (Map<String, Object> v : values) {
                Object x = v.get(key);
                xs.add(x);
                numeric &= x instanceof Number;
            }
            List<String> categories = new ArrayList<>();
            if (!numeric) {
                for (Object x : xs) {
                    String label = RunTable.cell(x);
                    if (!categories.contains(label)) categories.add(label);
                }
            }
            XYSeries all = new XYSeries("trials", false, true);
            XYSeries top = new XYSeries("best", false, true);
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < xs.size(); i++) {
                Double m = metric.get(i);
                if (m == null || !Double.isFinite(m)) continue;
                double x = numeric ? ((Number) xs.get(i)).doubleValue() : categories.indexOf(RunTable.cell(xs.get(i)));
                double yv = accuracy ? 100 * m : m;
                all.add(x, yv);
                if (i == best) top.add(x, yv);
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            String last = key.substring(key.lastIndexOf('.') + 1);
            org.jfree.chart.axis.ValueAxis xAxis;
            if (numeric && min > 0 && (last.endsWith("lr") || max / min >= 50)) {
                LogAxis log = new LogAxis(key + " (log scale)");
                log.setBase(10);
                log.setSmallestValue(1e-12);
                log.setNumberFormatOverride(lrFormat(max));
                log.setRange(min / 1.6, max * 1.6);
                xAxis = log;
            } else if (numeric) {
                NumberAxis lin = new NumberAxis(key);
                lin.setAutoRangeIncludesZero(false);
                double pad = max > min ? 0.08 * (max - min) : Math.max(Math.abs(min) * 0.1, 1);
                if (Double.isFinite(min)) lin.setRange(min - pad, max + pad);
                xAxis = lin;
            } else {
                SymbolAxis sym = new SymbolAxis(key, categories.toArray(String[]::new));
                sym.setRange(-0.5, categories.size() - 0.5);
                sym.setGridBandsVisible(false);
                xAxis = sym;
            }
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
            r.setSeriesPaint(0, ChartStyle.TEST);
            r.setSeriesShape(0, new Ellipse2D.Double(-6, -6, 12, 12));
            r.setSeriesPaint(1, ChartStyle.MARKER);
            r.setSeriesShape(1, new Ellipse2D.Double(-10, -10, 20, 20));
            r.setSeriesShapesFilled(1, false);
            r.setSeriesStroke(1, ChartStyle.line(3f));
            XYSeriesCollection ds = new XYSeriesCollection();
            ds.addSeries(all);
            ds.addSeries(top);
            XYPlot plot = new XYPlot(ds, xAxis, null, r);
            combined.add(plot, 1);
        }
        LegendItemCollection legend = new LegendItemCollection();   // once, not once per panel
        legend.add(new LegendItem("trials", null, null, null, new Ellipse2D.Double(-6, -6, 12, 12), ChartStyle.TEST));
        LegendItem bestItem = new LegendItem("best", null, null, null, true, new Ellipse2D.Double(-8, -8, 16, 16),
                false, ChartStyle.MARKER, true, ChartStyle.MARKER, ChartStyle.line(3f), false,
                new java.awt.geom.Line2D.Double(), ChartStyle.line(1f), ChartStyle.MARKER);
        legend.add(bestItem);
        combined.setFixedLegendItems(legend);
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "sweep"), ChartStyle.TITLE, combined, true);
        ChartStyle.apply(chart);
        save(chart, png, Math.max(WIDTH, 420 * keys.size()), HEIGHT);
    }

    // ---------------------------------------------------------------- overlay (diff --plot)

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
    public static void overlay(Path png, String title, List<String> runNames, List<double[]> trainLoss,
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
            double[] tl = get(testLoss, i);
            double[] trl = get(trainLoss, i);
            double[] ta = get(testAccuracy, i);
            double[] tra = get(trainAccuracy, i);
            maxEpochs = Math.max(maxEpochs, Math.max(Math.max(len(tl), len(trl)), Math.max(len(ta), len(tra))));
            if (tl != null) {
                addSeries(lossDs, lossR, perEpoch(run + ": test loss", tl, 1), c, false);
            }
            if (trl != null) {
                addSeries(lossDs, lossR, perEpoch(run + ": train loss", trl, 1), c, true);
            }
            if (ta != null) {
                addSeries(accDs, accR, perEpoch(run + ": test accuracy", ta, 100), c, false);
            }
            if (tra != null) {
                addSeries(accDs, accR, perEpoch(run + ": train accuracy", tra, 100), c, true);
            }
        }
        NumberAxis x = epochAxis();
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
        save(chart, png, OVERLAY_WIDTH, OVERLAY_HEIGHT);
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

    // ---------------------------------------------------------------- from a results folder

    /**
     * Draws {@code loss.png}, {@code accuracy.png}, {@code lr.png} and, when the run has final metrics,
     * {@code per_class_accuracy.png} and {@code confusion_matrix.png} into a results folder from its
     * {@code metrics.json}. Returns the files written.
     */
    public static List<Path> drawRun(Path runFolder) {
        RunReader.Run run = RunReader.read(runFolder);
        List<Path> out = new ArrayList<>();
        String name = run.name();
        int ipe = run.itersPerEpoch() > 0 ? run.itersPerEpoch() : Math.max(1, run.iterLoss().length);
        Path p = runFolder.resolve("loss.png");
        loss(p, name, run.iterLoss(), ipe, run.epochColumn(RunReader.Epoch::trainLoss),
                run.epochColumn(RunReader.Epoch::testLoss));
        out.add(p);
        p = runFolder.resolve("accuracy.png");
        accuracy(p, name, run.hasTrainAccuracy() ? run.epochColumn(RunReader.Epoch::trainAccuracy) : null,
                run.epochColumn(RunReader.Epoch::testAccuracy));
        out.add(p);
        p = runFolder.resolve("lr.png");
        lr(p, name, run.iterLr(), ipe);
        out.add(p);
        RunReader.Final f = run.fin();
        if (f != null && f.perClass() != null && !f.perClass().isEmpty()) {
            p = runFolder.resolve("per_class_accuracy.png");
            perClassAccuracy(p, name, run.classes(), f.perClass(), f.trainPerClass(),
                    f.testAccuracy() == null ? Double.NaN : f.testAccuracy());
            out.add(p);
        }
        if (f != null && f.confusion() != null && f.confusion().length == run.classes().size()) {
            p = runFolder.resolve("confusion_matrix.png");
            confusionMatrix(p, name, run.classes(), f.confusion());
            out.add(p);
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    /** Bias-corrected exponential moving average with smoothing 1 - 1/window (as TensorBoard/fastai). */
    static double[] ema(double[] v, int window) {
        double beta = 1 - 1.0 / window;
        double[] out = new double[v.length];
        double avg = 0;
        int seen = 0;
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                out[i] = Double.NaN;
                continue;
            }
            seen++;
            avg = beta * avg + (1 - beta) * v[i];
            out[i] = avg / (1 - Math.pow(beta, seen));
        }
        return out;
    }

    /** ~1 % of the run, at most 200 iterations; 1 (no smoothing) for runs under 200 iterations. */
    static int emaWindow(int n) {
        return Math.max(1, Math.min(200, n / 100));
    }

    /** The smallest 1, 2, 2.5 or 5 times a power of ten that is at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 2.5, 5, 10}) {
            if (m * p >= raw * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static double[] lossRange(double[] raw, double[] ema, double[] train, double[] test) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] s : new double[][]{ema, train, test}) {
            if (s == null) {
                continue;
            }
            for (double v : s) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        double[] finite = Arrays.stream(raw).filter(Double::isFinite).sorted().toArray();
        if (finite.length > 0) {
            lo = Math.min(lo, finite[(int) Math.floor(0.005 * (finite.length - 1))]);
            hi = Math.max(hi, finite[(int) Math.ceil(0.995 * (finite.length - 1))]);
        }
        if (!(lo <= hi)) {
            return null;
        }
        double pad = Math.max((hi - lo) * 0.05, 1e-3);
        return new double[]{Math.max(0, lo - pad), hi + pad};
    }

    private static XYSeries perEpoch(String key, double[] v, double scale) {
        XYSeries s = new XYSeries(key, false, true);
        if (v != null) {
            for (int i = 0; i < v.length; i++) {
                if (Double.isFinite(v[i])) {
                    s.add(i + 1, v[i] * scale);
                }
            }
        }
        return s;
    }

    private static NumberAxis epochAxis() {
        return epochAxis(Integer.MAX_VALUE);
    }

    /** An integer epoch axis without tick labels past {@code lastEpoch} (room left there for labels). */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static NumberAxis epochAxis(int lastEpoch) {
        NumberAxis x = new NumberAxis("epoch") {
            @Override
            public java.util.List refreshTicks(java.awt.Graphics2D g2, org.jfree.chart.axis.AxisState state,
                                               Rectangle2D dataArea, RectangleEdge edge) {
                java.util.List ticks = new ArrayList(super.refreshTicks(g2, state, dataArea, edge));
                ticks.removeIf(t -> ((org.jfree.chart.axis.NumberTick) t).getValue() > lastEpoch + 1e-9);
                return ticks;
            }
        };
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        return x;
    }

    /** Scientific notation for small learning rates (5.0E-3), plain otherwise; zero is always "0". */
    private static NumberFormat lrFormat(double max) {
        if (max > 0 && (max < 0.01 || max >= 1000)) {
            return new DecimalFormat("0.0#E0") {
                @Override
                public StringBuffer format(double number, StringBuffer result, java.text.FieldPosition pos) {
                    return number == 0 ? result.append('0') : super.format(number, result, pos);
                }
            };
        }
        return new DecimalFormat("0.####");
    }

    static String sci(double v) {
        String s = String.format(Locale.ROOT, "%.2e", v);
        // 5.00e-03 -> 5.00e-3
        return s.replaceAll("e([+-])0*(\\d)", "e$1$2").replace("e+", "e");
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

    private static int maxLength(String[] s) {
        int m = 0;
        for (String x : s) {
            m = Math.max(m, x.length());
        }
        return m;
    }

    private static int len(double[] v) {
        return v == null ? 0 : v.length;
    }

    private static double[] get(List<double[]> l, int i) {
        return l == null || i >= l.size() ? null : l.get(i);
    }

    private static void requirePositive(int v, String what) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be > 0, was " + v);
        }
    }

    /** Writes the PNG via a temporary file in the same folder, so a reader never sees half a file. */
    static void save(JFreeChart chart, Path png, int w, int h) {
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, w, h));
    }
}
