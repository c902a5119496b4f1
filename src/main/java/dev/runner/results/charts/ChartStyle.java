package dev.runner.results.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Stroke;
import java.util.Locale;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;

/**
 * The one look shared by every chart of a results folder (and the feature-map grids): palette, fonts, strokes,
 * white background, sizes, how a learning rate is written.
 */
public final class ChartStyle {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ChartStyle() {
    }

    /** Tableau 10 (matplotlib's default cycle): distinct for up to 10 series, readable on white. */
    static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};

    public static final Color TEST = PALETTE[0];
    public static final Color TRAIN = PALETTE[1];
    public static final Color VAL = PALETTE[2];
    public static final Color MARKER = PALETTE[3];
    public static final Color GRID = new Color(0xd9d9d9);
    public static final Color TEXT = new Color(0x222222);

    public static final String FAMILY = Font.SANS_SERIF;
    public static final Font TITLE = new Font(FAMILY, Font.BOLD, 20);
    public static final Font SUBTITLE = new Font(FAMILY, Font.PLAIN, 14);
    public static final Font AXIS_LABEL = new Font(FAMILY, Font.PLAIN, 14);
    public static final Font TICK = new Font(FAMILY, Font.PLAIN, 13);
    public static final Font LEGEND = new Font(FAMILY, Font.PLAIN, 13);
    public static final Font ANNOTATION = new Font(FAMILY, Font.BOLD, 13);

    public static final int WIDTH = 1000;
    public static final int HEIGHT = 600;

    public static Color palette(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    public static Color faint(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
    }

    public static Stroke line(float width) {
        return new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    public static Stroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{8f, 5f}, 0f);
    }

    /** Chart title: the experiment name and the chart's subject, e.g. {@code origin — loss}. */
    public static String title(String name, String subject) {
        return (name == null || name.isBlank()) ? subject : name + " \u2014 " + subject;
    }

    public static void apply(JFreeChart chart) {
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 16));
        TextTitle t = chart.getTitle();
        if (t != null) {
            t.setFont(TITLE);
            t.setPaint(TEXT);
            t.setMargin(4, 0, 8, 0);
        }
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setItemFont(LEGEND);
            legend.setItemPaint(TEXT);
            legend.setBackgroundPaint(Color.WHITE);
            legend.setFrame(BlockBorder.NONE);
            legend.setPosition(RectangleEdge.BOTTOM);
        }
        applyPlot(chart.getPlot());
    }

    public static void applyPlot(Plot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(new Color(0x999999));
        if (plot instanceof CombinedDomainXYPlot c) {
            axis(c.getDomainAxis());
            for (XYPlot p : c.getSubplots()) {
                applyPlot(p);
            }
        } else if (plot instanceof org.jfree.chart.plot.CombinedRangeXYPlot c) {
            axis(c.getRangeAxis());
            for (XYPlot p : c.getSubplots()) {
                applyPlot(p);
            }
        } else if (plot instanceof XYPlot p) {
            p.setDomainGridlinePaint(GRID);
            p.setRangeGridlinePaint(GRID);
            p.setDomainGridlineStroke(line(1f));
            p.setRangeGridlineStroke(line(1f));
            p.setAxisOffset(RectangleInsets.ZERO_INSETS);
            for (int i = 0; i < p.getDomainAxisCount(); i++) {
                axis(p.getDomainAxis(i));
            }
            for (int i = 0; i < p.getRangeAxisCount(); i++) {
                axis(p.getRangeAxis(i));
            }
        } else if (plot instanceof CategoryPlot p) {
            p.setRangeGridlinePaint(GRID);
            p.setRangeGridlineStroke(line(1f));
            p.setAxisOffset(RectangleInsets.ZERO_INSETS);
            axis(p.getDomainAxis());
            axis(p.getRangeAxis());
        }
    }

    public static void axis(Axis a) {
        if (a == null) {
            return;
        }
        a.setLabelFont(AXIS_LABEL);
        a.setLabelPaint(TEXT);
        a.setTickLabelFont(TICK);
        a.setTickLabelPaint(TEXT);
        a.setAxisLinePaint(new Color(0x999999));
        a.setTickMarkPaint(new Color(0x999999));
    }

    public static Paint textOn(Color background) {
        double lum = 0.2126 * background.getRed() + 0.7152 * background.getGreen() + 0.0722 * background.getBlue();
        return lum > 140 ? TEXT : Color.WHITE;
    }

    /** A learning rate as charts and the report write it: 5.00e-3. */
    public static String sci(double v) {
        String s = String.format(Locale.ROOT, "%.2e", v);
        // 5.00e-03 -> 5.00e-3
        return s.replaceAll("e([+-])0*(\\d)", "e$1$2").replace("e+", "e");
    }
}
