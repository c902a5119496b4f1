package dev.runner.results.charts;

import dev.runner.results.RunReader;
import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * {@code per_class_accuracy.png}: grouped bars per class (test; train too when measured), the overall test accuracy
 * as a labelled horizontal line. A run gets it when its metrics have per-class accuracies (it completed).
 */
public final class PerClassAccuracyChart implements RunChart {
    public static final String FILE = "per_class_accuracy.png";

    @Override
    public String file() {
        return FILE;
    }

    @Override
    public boolean applies(RunReader.Run run) {
        RunReader.Final f = run.fin();
        return run.metrics() && f != null && f.perClass() != null && !f.perClass().isEmpty();
    }

    @Override
    public void draw(RunReader.Run run, Path png) {
        RunReader.Final f = run.fin();
        draw(png, run.name(), run.classes(), f.perClass(), f.trainPerClass(),
                f.testAccuracy() == null ? Double.NaN : f.testAccuracy());
    }

    /**
     * {@code per_class_accuracy.png}: grouped bars per class (test; train too when given), the overall test
     * accuracy as a labelled horizontal line.
     *
     * @param test        class name to fraction
     * @param train       class name to fraction, or null
     * @param overallTest overall test accuracy (fraction); NaN to omit the line
     */
    public static void draw(Path png, String name, List<String> classes, Map<String, Double> test,
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
        ChartParts.save(chart, png, ChartStyle.WIDTH, ChartStyle.HEIGHT);
    }
}
