package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * {@code confusion_matrix.png}: a heatmap, rows = true class (top to bottom in class order), columns = predicted
 * class, the count in every cell. Cell colour is the share of the row (the true class), so unbalanced classes still
 * read correctly. A run gets it when its metrics have a confusion matrix of its classes (it completed).
 */
public final class ConfusionMatrixChart implements RunChart {
    public static final String FILE = "confusion_matrix.png";
    /** Its size (the other charts are {@link ChartStyle#WIDTH} x {@link ChartStyle#HEIGHT}). */
    public static final int WIDTH = 1000;
    public static final int HEIGHT = 860;

    @Override
    public String file() {
        return FILE;
    }

    @Override
    public boolean applies(RunReader.Run run) {
        RunReader.Final f = run.fin();
        return run.metrics() && f != null && f.confusion() != null && f.confusion().length == run.classes().size();
    }

    @Override
    public void draw(RunReader.Run run, Path png) {
        draw(png, run.name(), run.classes(), run.fin().confusion());
    }

    /**
     * {@code confusion_matrix.png}: a heatmap, rows = true class (top to bottom in class order), columns =
     * predicted class, the count in every cell. Cell colour is the share of the row (the true class), so
     * unbalanced classes still read correctly.
     */
    public static void draw(Path png, String name, List<String> classes, int[][] counts) {
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
        x.setVerticalTickLabels(n > 6 && ChartParts.maxLength(names) > 5);
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
        ChartParts.save(chart, png, WIDTH, HEIGHT);
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
}
