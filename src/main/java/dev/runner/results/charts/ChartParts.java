package dev.runner.results.charts;

import dev.runner.AtomicFiles;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;

/** What several charts build the same way: epoch axes, per-epoch series, saving the PNG. */
final class ChartParts {
    private ChartParts() {
    }

    static XYSeries perEpoch(String key, double[] v, double scale) {
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

    static NumberAxis epochAxis() {
        return epochAxis(Integer.MAX_VALUE);
    }

    /** An integer epoch axis without tick labels past {@code lastEpoch} (room left there for labels). */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static NumberAxis epochAxis(int lastEpoch) {
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

    /** Axis numbers as people write them ({@link dev.runner.results.HumanText#number}: 5e-3, 0.05, 128). */
    static NumberFormat humanFormat() {
        return new DecimalFormat() {
            @Override
            public StringBuffer format(double number, StringBuffer result, java.text.FieldPosition pos) {
                // an axis tick is a step sum (0.30000000000000004): 10 significant digits are plenty
                double shown = number == 0 ? 0 : Double.parseDouble(String.format(java.util.Locale.ROOT, "%.10g",
                        number));
                return result.append(dev.runner.results.HumanText.number(shown));
            }
        };
    }

    static int maxLength(String[] s) {
        int m = 0;
        for (String x : s) {
            m = Math.max(m, x.length());
        }
        return m;
    }

    static int len(double[] v) {
        return v == null ? 0 : v.length;
    }

    static double[] get(List<double[]> l, int i) {
        return l == null || i >= l.size() ? null : l.get(i);
    }

    static void requirePositive(int v, String what) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be > 0, was " + v);
        }
    }

    /** Writes the PNG via a temporary file in the same folder, so a reader never sees half a file. */
    static void save(JFreeChart chart, Path png, int w, int h) {
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, w, h));
    }
}
