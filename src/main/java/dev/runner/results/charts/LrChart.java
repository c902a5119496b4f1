package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.nio.file.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code lr.png}: the learning rate of every iteration, x axis in epochs. */
public final class LrChart implements RunChart {
    public static final String FILE = "lr.png";

    @Override
    public String file() {
        return FILE;
    }

    @Override
    public void draw(RunReader.Run run, Path png) {
        draw(png, run.name(), run.iterLr(), RunCharts.itersPerEpoch(run));
    }

    /** {@code lr.png}: the learning rate of every iteration, x axis in epochs. */
    public static void draw(Path png, String name, double[] iterLr, int itersPerEpoch) {
        ChartParts.requirePositive(itersPerEpoch, "itersPerEpoch");
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
        NumberAxis x = ChartParts.epochAxis(epochs);
        x.setRange(0, epochs * 1.02);
        NumberAxis y = new NumberAxis("learning rate");
        y.setAutoRangeIncludesZero(true);
        y.setNumberFormatOverride(ChartParts.humanFormat());
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setSeriesPaint(0, ChartStyle.palette(2));
        r.setSeriesStroke(0, ChartStyle.line(2.5f));
        XYPlot plot = new XYPlot(new XYSeriesCollection(s), x, y, r);
        if (max > 0) {
            y.setRange(0, max * 1.08);
            y.setTickUnit(new NumberTickUnit(niceStep(max * 1.08 / 8), ChartParts.humanFormat()));
        }
        JFreeChart chart = new JFreeChart(ChartStyle.title(name, "learning rate per iteration"), ChartStyle.TITLE,
                plot, true);
        ChartStyle.apply(chart);
        ChartParts.save(chart, png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
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
}
