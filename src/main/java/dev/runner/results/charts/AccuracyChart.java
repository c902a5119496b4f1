package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code accuracy.png}: test (and train, when measured) accuracy per epoch, in percent. */
public final class AccuracyChart implements RunChart {
    public static final String FILE = "accuracy.png";

    @Override
    public String file() {
        return FILE;
    }

    @Override
    public void draw(RunReader.Run run, Path png) {
        boolean val = run.epochs().stream().anyMatch(e -> e.valAccuracy() != null);
        java.util.Map<String, double[]> topK = new java.util.LinkedHashMap<>();
        for (RunReader.Epoch e : run.epochs()) {
            for (String m : e.topK().keySet()) {
                topK.computeIfAbsent(m, k -> run.epochColumn(x -> x.topK().get(k)));
            }
        }
        draw(png, run.name(), run.hasTrainAccuracy() ? run.epochColumn(RunReader.Epoch::trainAccuracy) : null,
                run.epochColumn(RunReader.Epoch::testAccuracy),
                val ? run.epochColumn(RunReader.Epoch::valAccuracy) : null, topK);
    }

    /** As {@link #draw(Path, String, double[], double[], double[])} without a validation set. */
    public static void draw(Path png, String name, double[] train, double[] test) {
        draw(png, name, train, test, null);
    }

    /**
     * {@code accuracy.png}: test (and train, when measured) accuracy per epoch, in percent.
     *
     * @param train fractions per epoch, or null when not measured
     * @param test  fractions per epoch
     * @param val   fractions per epoch on the validation set, or null without one
     */
    public static void draw(Path png, String name, double[] train, double[] test, double[] val) {
        draw(png, name, train, test, val, java.util.Map.of());
    }

    /**
     * As {@link #draw(Path, String, double[], double[], double[])}, with the top-k accuracies ({@code evaluate.top_k})
     * as thin dotted lines in the colour of their split, by metric name ({@code test_top5_accuracy}).
     */
    public static void draw(Path png, String name, double[] train, double[] test, double[] val,
                            java.util.Map<String, double[]> topK) {
        XYSeriesCollection ds = new XYSeriesCollection();
        ds.addSeries(ChartParts.perEpoch("test accuracy", test, 100));
        if (train != null) {
            ds.addSeries(ChartParts.perEpoch("train accuracy (evaluation mode)", train, 100));
        }
        if (val != null) {
            ds.addSeries(ChartParts.perEpoch("validation accuracy", val, 100));
        }
        int epochs = Math.max(ChartParts.len(test), Math.max(ChartParts.len(train), ChartParts.len(val)));
        NumberAxis x = ChartParts.epochAxis(epochs);
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
        if (val != null) {      // the last series
            int vs = ds.getSeriesCount() - 1;
            r.setSeriesPaint(vs, ChartStyle.VAL);
            r.setSeriesStroke(vs, ChartStyle.line(2.0f));
            r.setSeriesShape(vs, new Rectangle2D.Double(-4, -4, 8, 8));
        }
        for (java.util.Map.Entry<String, double[]> t : topK.entrySet()) {   // thin dashed, the colour of its split
            String split = t.getKey().substring(0, t.getKey().indexOf('_'));
            String k = t.getKey().substring(split.length() + 4, t.getKey().length() - "_accuracy".length());
            ds.addSeries(ChartParts.perEpoch((split.equals("val") ? "validation" : split) + " top-" + k
                    + " accuracy", t.getValue(), 100));
            int ts = ds.getSeriesCount() - 1;
            r.setSeriesPaint(ts, split.equals("test") ? ChartStyle.TEST : split.equals("val") ? ChartStyle.VAL
                    : ChartStyle.TRAIN);
            r.setSeriesStroke(ts, ChartStyle.dashed(1.5f));
            r.setSeriesShape(ts, new Ellipse2D.Double(-3, -3, 6, 6));
        }
        XYPlot plot = new XYPlot(ds, x, y, r);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        List<double[]> all = new ArrayList<>(java.util.Arrays.asList(train, test, val));
        all.addAll(topK.values());
        for (double[] s : all) {
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
        ChartParts.save(chart, png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
    }
}
