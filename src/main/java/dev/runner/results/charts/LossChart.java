package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.nio.file.Path;
import java.util.Arrays;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code loss.png}: per-iteration training loss (raw, faint, and its bias-corrected EMA) and the per-epoch mean
 * train loss and test loss as points at the end of each epoch. The x axis is in epochs: iteration {@code i}
 * (0-based) sits at {@code (i + 1) / itersPerEpoch}.
 */
public final class LossChart implements RunChart {
    public static final String FILE = "loss.png";

    /** The per-iteration EMA: the train colour, a shade darker so it stands out of the raw band. */
    static final Color EMA = new Color(0xe6550d);

    @Override
    public String file() {
        return FILE;
    }

    @Override
    public void draw(RunReader.Run run, Path png) {
        draw(png, run.name(), run.iterLoss(), RunCharts.itersPerEpoch(run),
                run.epochColumn(RunReader.Epoch::trainLoss), run.epochColumn(RunReader.Epoch::testLoss));
    }

    /**
     * {@code loss.png}: per-iteration training loss (raw, faint, and its bias-corrected EMA) and the per-epoch
     * mean train loss and test loss as points at the end of each epoch.
     *
     * @param iterLoss       loss of every iteration, in order (may be empty)
     * @param itersPerEpoch  iterations per epoch (> 0)
     * @param epochTrainLoss mean training loss per epoch (nullable)
     * @param epochTestLoss  test loss per epoch (nullable)
     */
    public static void draw(Path png, String name, double[] iterLoss, int itersPerEpoch, double[] epochTrainLoss,
                            double[] epochTestLoss) {
        ChartParts.requirePositive(itersPerEpoch, "itersPerEpoch");
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
        epochDs.addSeries(ChartParts.perEpoch("train loss per epoch (mean)", epochTrainLoss, 1));
        epochDs.addSeries(ChartParts.perEpoch("test loss per epoch", epochTestLoss, 1));

        int epochs = Math.max(Math.max(ChartParts.len(epochTrainLoss), ChartParts.len(epochTestLoss)),
                (int) Math.ceil(raw.length / (double) itersPerEpoch));
        NumberAxis x = ChartParts.epochAxis(Math.max(1, epochs));
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
        ChartParts.save(chart, png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
    }

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
}
