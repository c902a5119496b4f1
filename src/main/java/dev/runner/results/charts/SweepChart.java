package dev.runner.results.charts;

import dev.runner.results.RunTable;
import java.awt.geom.Ellipse2D;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code sweep.png} of a sweep folder: the sweep's metric against each swept key. */
public final class SweepChart {
    private SweepChart() {
    }

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
    public static void draw(Path png, String name, String metricName, List<String> keys,
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
                log.setNumberFormatOverride(ChartParts.lrFormat(max));
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
        ChartParts.save(chart, png, Math.max(ChartStyle.WIDTH, 420 * keys.size()), ChartStyle.HEIGHT);
    }
}
