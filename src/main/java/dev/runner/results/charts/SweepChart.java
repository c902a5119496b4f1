package dev.runner.results.charts;

import dev.runner.results.HumanText;
import dev.runner.results.RunTable;
import dev.runner.results.SweepFolder;
import java.awt.Color;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code sweep.png} of a sweep folder: the sweep's metric against each swept key, one panel per key, the dots
 * coloured by a second key (so interactions show: the panel of the first key is coloured by the second, the
 * others by the first).
 */
public final class SweepChart {
    /** At most this many colours; more distinct values are grouped into this many ranges. */
    static final int COLOURS = 6;

    private SweepChart() {
    }

    /**
     * {@code sweep.png}: the sweep's metric against each swept key, one panel per key side by side, sharing the
     * metric's axis; one dot per finished trial, the best ringed, coloured by another swept key when there are
     * two or more (its values, or ranges of them, in the legend). Numeric keys get a number axis (whole-number
     * ticks for whole-number keys), a log axis when {@link SweepFolder#logScale} says so, ticked at 1, 2, 5 x
     * 10^k and labelled as people write numbers ({@code 1e-3}); other values (lists, strings) one column each,
     * labelled as written.
     *
     * @param values per trial, the swept keys' values
     * @param metric per trial, the metric (null or NaN: not drawn)
     * @param best   index of the best trial in the lists, or -1
     */
    public static void draw(Path png, String name, String metricName, List<String> keys,
                            List<Map<String, Object>> values, List<Double> metric, int best) {
        draw(png, name, metricName, keys, values, metric, best, null);
    }

    /**
     * The same, with each configuration's mean ± standard deviation over its seeds drawn as a bar beside the
     * dots ({@code sweep.seeds}).
     *
     * @param meanSd per trial, {mean, sd} of its configuration on the first trial of each, else null (null: none)
     */
    public static void draw(Path png, String name, String metricName, List<String> keys,
                            List<Map<String, Object>> values, List<Double> metric, int best, List<double[]> meanSd) {
        boolean accuracy = metricName.endsWith("accuracy");
        NumberAxis y = new NumberAxis(metricName.replace('_', ' ') + (accuracy ? " (%)" : ""));
        y.setAutoRangeIncludesZero(false);
        y.setNumberFormatOverride(ChartParts.humanFormat());
        org.jfree.chart.plot.CombinedRangeXYPlot combined = new org.jfree.chart.plot.CombinedRangeXYPlot(y);
        combined.setGap(16);
        LegendItemCollection legend = new LegendItemCollection();
        for (int k = 0; k < keys.size(); k++) {
            String key = keys.get(k);
            String colourKey = keys.size() < 2 ? null : keys.get(k == 0 ? 1 : 0);
            List<Object> xs = values.stream().map(v -> v.get(key)).toList();
            boolean numeric = xs.stream().allMatch(x -> x instanceof Number);
            List<String> categories = new ArrayList<>();
            if (!numeric) {
                for (Object x : xs) {
                    if (!categories.contains(RunTable.cell(x))) categories.add(RunTable.cell(x));
                }
            }
            Colours colours = colourKey == null ? null
                    : Colours.of(colourKey, values.stream().map(v -> v.get(colourKey)).toList());
            XYSeriesCollection ds = new XYSeriesCollection();
            Map<String, XYSeries> groups = new LinkedHashMap<>();
            List<String> labels = colours == null ? List.of("trials") : colours.labels();
            for (String label : labels) {
                groups.put(label, new XYSeries(label, false, true));
                ds.addSeries(groups.get(label));
            }
            XYSeries top = new XYSeries("best", false, true);
            ds.addSeries(top);
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < xs.size(); i++) {
                Double m = metric.get(i);
                if (m == null || !Double.isFinite(m)) continue;
                double x = numeric ? ((Number) xs.get(i)).doubleValue() : categories.indexOf(RunTable.cell(xs.get(i)));
                double yv = accuracy ? 100 * m : m;
                groups.get(colours == null ? "trials" : colours.label(values.get(i).get(colourKey))).add(x, yv);
                if (i == best) top.add(x, yv);
                min = Math.min(min, x);
                max = Math.max(max, x);
            }
            org.jfree.chart.axis.ValueAxis xAxis;
            if (numeric && SweepFolder.logScale(key, xs)) {
                xAxis = new DecadeAxis(key + " (log scale)", min / 1.6, max * 1.6);
            } else if (numeric) {
                NumberAxis lin = new NumberAxis(key);
                lin.setAutoRangeIncludesZero(false);
                if (xs.stream().allMatch(x -> x instanceof Integer || x instanceof Long)) {
                    lin.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
                }
                lin.setNumberFormatOverride(ChartParts.humanFormat());
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
            for (int s = 0; s < labels.size(); s++) {
                r.setSeriesPaint(s, colours == null ? ChartStyle.TEST : colours.paint(s));
                r.setSeriesShape(s, new Ellipse2D.Double(-6, -6, 12, 12));
            }
            int b = labels.size();
            r.setSeriesPaint(b, ChartStyle.MARKER);
            r.setSeriesShape(b, new Ellipse2D.Double(-10, -10, 20, 20));
            r.setSeriesShapesFilled(b, false);
            r.setSeriesStroke(b, ChartStyle.line(3f));
            XYPlot plot = new XYPlot(ds, xAxis, null, r);
            if (meanSd != null) {
                org.jfree.data.xy.YIntervalSeries bars = new org.jfree.data.xy.YIntervalSeries("mean ± sd");
                for (int i = 0; i < xs.size(); i++) {
                    double[] ms = meanSd.get(i);
                    if (ms == null || !Double.isFinite(ms[0])) continue;
                    double x = numeric ? ((Number) xs.get(i)).doubleValue()
                            : categories.indexOf(RunTable.cell(xs.get(i)));
                    double f = accuracy ? 100 : 1;
                    double sd = Double.isFinite(ms[1]) ? ms[1] : 0;
                    bars.add(x, f * ms[0], f * (ms[0] - sd), f * (ms[0] + sd));
                }
                org.jfree.data.xy.YIntervalSeriesCollection bd = new org.jfree.data.xy.YIntervalSeriesCollection();
                bd.addSeries(bars);
                org.jfree.chart.renderer.xy.XYErrorRenderer er = new org.jfree.chart.renderer.xy.XYErrorRenderer();
                er.setDrawXError(false);
                er.setDefaultLinesVisible(false);
                er.setSeriesPaint(0, ChartStyle.MARKER);
                er.setErrorPaint(ChartStyle.MARKER);
                er.setErrorStroke(ChartStyle.line(2f));
                er.setCapLength(10);
                er.setSeriesShape(0, new java.awt.Rectangle(-5, -2, 10, 4));
                plot.setDataset(1, bd);
                plot.setRenderer(1, er);
            }
            combined.add(plot, 1);
            if (k == 0 && colours == null) {
                legend.add(new LegendItem("trials", null, null, null, new Ellipse2D.Double(-6, -6, 12, 12),
                        ChartStyle.TEST));
            } else if (k <= 1 && colours != null) {
                for (int s = 0; s < labels.size(); s++) {
                    legend.add(new LegendItem(colourKey + " = " + labels.get(s), null, null, null,
                            new Ellipse2D.Double(-6, -6, 12, 12), colours.paint(s)));
                }
            }
        }
        legend.add(new LegendItem("best", null, null, null, true, new Ellipse2D.Double(-8, -8, 16, 16),
                false, ChartStyle.MARKER, true, ChartStyle.MARKER, ChartStyle.line(3f), false,
                new java.awt.geom.Line2D.Double(), ChartStyle.line(1f), ChartStyle.MARKER));
        if (meanSd != null) {
            legend.add(new LegendItem("mean ± sd over seeds", null, null, null, new java.awt.Rectangle(-5, -2, 10, 4),
                    ChartStyle.MARKER));
        }
        combined.setFixedLegendItems(legend);
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "sweep"), ChartStyle.TITLE, combined, true);
        ChartStyle.apply(chart);
        ChartParts.save(chart, png, Math.max(ChartStyle.WIDTH, 420 * keys.size()), ChartStyle.HEIGHT);
    }

    /**
     * The colours of a key's values: one per distinct value when there are at most {@link #COLOURS}, else one
     * per range of values (numbers only; equal-count ranges of the sorted values).
     */
    record Colours(List<String> labels, List<Object> bounds, boolean ranges) {
        private static final Color[] SCALE = {new Color(0x44, 0x01, 0x54), new Color(0x3b, 0x52, 0x8b),
                new Color(0x21, 0x91, 0x8c), new Color(0x5e, 0xc9, 0x62), new Color(0xe0, 0xc0, 0x20),
                new Color(0xe0, 0x60, 0x20)};

        static Colours of(String key, List<Object> vs) {
            boolean numeric = vs.stream().allMatch(v -> v instanceof Number);
            List<Object> distinct = new ArrayList<>();
            if (numeric) {
                TreeSet<Double> sorted = new TreeSet<>();
                vs.forEach(v -> sorted.add(((Number) v).doubleValue()));
                if (sorted.size() > COLOURS) {
                    List<Double> all = new ArrayList<>(sorted);
                    List<String> labels = new ArrayList<>();
                    List<Object> bounds = new ArrayList<>();
                    for (int g = 0; g < COLOURS; g++) {
                        double lo = all.get(g * all.size() / COLOURS);
                        double hi = all.get((g + 1) * all.size() / COLOURS - 1);
                        labels.add(HumanText.number(lo) + " to " + HumanText.number(hi));
                        bounds.add(hi);
                    }
                    return new Colours(labels, bounds, true);
                }
                for (Object v : vs) {
                    if (distinct.stream().noneMatch(d -> ((Number) d).doubleValue() == ((Number) v).doubleValue())) {
                        distinct.add(v);
                    }
                }
                distinct.sort((a, b) -> Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue()));
            } else {
                for (Object v : vs) {
                    if (!distinct.contains(v)) distinct.add(v);
                }
            }
            List<String> labels = new ArrayList<>();
            for (Object d : distinct) {
                if (labels.size() == COLOURS - 1 && distinct.size() > COLOURS) {
                    labels.add("other");
                    break;
                }
                labels.add(RunTable.cell(d));
            }
            return new Colours(labels, distinct, false);
        }

        String label(Object v) {
            if (ranges) {
                double x = ((Number) v).doubleValue();
                for (int g = 0; g < bounds.size(); g++) {
                    if (x <= (double) bounds.get(g)) return labels.get(g);
                }
                return labels.get(labels.size() - 1);
            }
            String l = RunTable.cell(v);
            return labels.contains(l) ? l : "other";
        }

        Paint paint(int i) {
            int n = labels.size();
            return n == 1 ? SCALE[2] : SCALE[Math.round((float) i * (SCALE.length - 1) / (n - 1))];
        }
    }

    /** A log axis ticked at 1, 2 and 5 x 10^k (only 10^k when those are too many), labelled 1e-3, 0.01, 5. */
    static final class DecadeAxis extends LogAxis {
        DecadeAxis(String label, double lower, double upper) {
            super(label);
            setBase(10);
            setSmallestValue(1e-12);
            setRange(lower, upper);
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public java.util.List refreshTicks(java.awt.Graphics2D g2, AxisState state, Rectangle2D dataArea,
                                           RectangleEdge edge) {
            double lo = getLowerBound();
            double hi = getUpperBound();
            java.util.List ticks = new ArrayList();
            for (double[] steps : new double[][] {{1, 2, 5}, {1}}) {
                ticks.clear();
                for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
                    for (double m : steps) {
                        double v = Double.parseDouble(m + "e" + e);
                        if (v >= lo && v <= hi) {
                            ticks.add(new NumberTick(TickType.MAJOR, v, HumanText.number(v), TextAnchor.TOP_CENTER,
                                    TextAnchor.CENTER, 0.0));
                        }
                    }
                }
                if (ticks.size() <= 7) break;
            }
            return ticks;
        }
    }
}
