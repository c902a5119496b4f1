package dev.runner.results;

import dev.runner.results.charts.ChartStyle;
import dev.runner.AtomicFiles;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import dev.runner.UserError;

/**
 * Feature-map grids ({@code feature_maps_<layer>.png}): for each chosen test image one row with the input image
 * on the left and, to its right, a grid with one cell per channel of the layer's activation. Every channel is
 * min–max normalised on its own (per image) and drawn in the viridis colour map, upscaled with nearest
 * neighbour so small maps stay visible. The title names the experiment, the layer and the activation shape.
 */
public final class FeatureMaps {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /**
     * One test image and the layer's activation for it.
     *
     * @param index the image's index in the test set (shown as its label)
     * @param image the input for display, CHW, values 0..1 (RGB when c = 3, grey when c = 1)
     * @param maps  {@code [channel][y * mw + x]}
     */
    public record Sample(int index, float[] image, int c, int h, int w, float[][] maps, int mh, int mw) {
        public Sample {
            if (image.length != c * h * w) {
                throw new IllegalArgumentException("input image has " + image.length + " values, expected " + c
                        + "x" + h + "x" + w);
            }
            if (c != 1 && c != 3) {
                throw new IllegalArgumentException("input image must have 1 or 3 channels, has " + c);
            }
            if (maps.length == 0) {
                throw new IllegalArgumentException("no channels");
            }
            for (int k = 0; k < maps.length; k++) {
                if (maps[k].length != mh * mw) {
                    throw new IllegalArgumentException("channel " + k + " has " + maps[k].length
                            + " values, expected " + mh + "x" + mw);
                }
            }
        }
    }

    /**
     * Where everything is drawn, in pixels. {@code cells.get(i).get(k)} is channel k of sample i (the map itself,
     * without its label).
     */
    public record Layout(int width, int height, List<Rectangle> inputs, List<List<Rectangle>> cells, int columns,
                         int rows, int scale) {
    }

    static final int MARGIN = 20;
    static final int TITLE_BAND = 64;
    static final int LABEL_BAND = 26;
    static final int CELL_LABEL = 15;
    static final int CELL_GAP = 6;
    static final int ROW_GAP = 24;
    static final int MAX_WIDTH = 2400;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font SUB = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font CELL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    private FeatureMaps() {
    }

    /** One image: the brief's signature, a grid for a single test image (index 0). */
    public static Layout grid(Path png, String name, String layer, float[] inputImageChw, int c, int h, int w,
                              float[][] channelMaps, int mh, int mw) {
        return grid(png, name, layer, List.of(new Sample(0, inputImageChw, c, h, w, channelMaps, mh, mw)));
    }

    /** Several test images stacked vertically in one PNG. All samples must have the same activation shape. */
    public static Layout grid(Path png, String name, String layer, List<Sample> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        Sample first = samples.get(0);
        for (Sample s : samples) {
            if (s.maps().length != first.maps().length || s.mh() != first.mh() || s.mw() != first.mw()) {
                throw new IllegalArgumentException("all samples must have the same activation shape");
            }
        }
        String title = ChartStyle.title(name, String.format(Locale.ROOT, "feature maps after %s: %d \u00d7 %d "
                + "\u00d7 %d (channels \u00d7 height \u00d7 width)", layer, first.maps().length, first.mh(),
                first.mw()));
        String sub = "one cell per channel, each min\u2013max normalised per image; colour: viridis (dark = low, "
                + "yellow = high); nearest-neighbour upscaling \u00d7";
        Layout layout = layout(samples, titleWidth(title, sub));
        BufferedImage img = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, layout.width(), layout.height());
            g.setColor(ChartStyle.TEXT);
            g.setFont(TITLE);
            drawCentered(g, title, layout.width(), MARGIN + 20);
            g.setFont(SUB);
            drawCentered(g, sub + layout.scale(), layout.width(), MARGIN + 44);
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                Rectangle in = layout.inputs().get(i);
                g.setFont(LABEL);
                g.setColor(ChartStyle.TEXT);
                g.drawString(String.format(Locale.ROOT, "test image #%d", s.index()), in.x, in.y - 8);
                drawInput(img, s, in);
                List<Rectangle> cells = layout.cells().get(i);
                g.setFont(CELL);
                FontMetrics fm = g.getFontMetrics();
                for (int k = 0; k < cells.size(); k++) {
                    Rectangle r = cells.get(k);
                    drawMap(img, s.maps()[k], s.mh(), s.mw(), r);
                    String label = Integer.toString(k);
                    g.setColor(ChartStyle.TEXT);
                    g.drawString(label, r.x + (r.width - fm.stringWidth(label)) / 2, r.y - 3);
                }
            }
        } finally {
            g.dispose();
        }
        write(img, png);
        return layout;
    }

    /** The layout {@link #grid} uses for these samples. */
    public static Layout layout(List<Sample> samples, int minWidth) {
        Sample first = samples.get(0);
        int channels = first.maps().length;
        int columns = (int) Math.ceil(Math.sqrt(channels));
        int rows = (int) Math.ceil(channels / (double) columns);
        int target = channels <= 16 ? 96 : channels <= 64 ? 64 : 48;
        int scale = Math.max(1, (int) Math.round(target / (double) Math.max(first.mh(), first.mw())));
        int inScale = Math.max(1, (int) Math.round(128.0 / Math.max(first.h(), first.w())));
        int inW = first.w() * inScale;
        int inH = first.h() * inScale;
        while (scale > 1 && MARGIN * 2 + inW + 2 * ROW_GAP + columns * (first.mw() * scale + CELL_GAP) > MAX_WIDTH) {
            scale--;
        }
        int cellW = first.mw() * scale;
        int cellH = first.mh() * scale;
        int gridW = columns * cellW + (columns - 1) * CELL_GAP;
        int gridH = rows * (cellH + CELL_LABEL) + (rows - 1) * CELL_GAP;
        int rowH = LABEL_BAND + Math.max(inH, gridH);
        int width = Math.max(minWidth + 2 * MARGIN, MARGIN * 2 + inW + 2 * ROW_GAP + gridW);
        int height = MARGIN + TITLE_BAND + samples.size() * rowH + (samples.size() - 1) * ROW_GAP + MARGIN;
        int gridX = MARGIN + inW + 2 * ROW_GAP;
        List<Rectangle> inputs = new ArrayList<>();
        List<List<Rectangle>> cells = new ArrayList<>();
        int y = MARGIN + TITLE_BAND;
        for (int i = 0; i < samples.size(); i++) {
            inputs.add(new Rectangle(MARGIN, y + LABEL_BAND, inW, inH));
            List<Rectangle> row = new ArrayList<>();
            for (int k = 0; k < channels; k++) {
                int cx = gridX + (k % columns) * (cellW + CELL_GAP);
                int cy = y + LABEL_BAND + (k / columns) * (cellH + CELL_LABEL + CELL_GAP) + CELL_LABEL;
                row.add(new Rectangle(cx, cy, cellW, cellH));
            }
            cells.add(List.copyOf(row));
            y += rowH + ROW_GAP;
        }
        return new Layout(width, height, List.copyOf(inputs), List.copyOf(cells), columns, rows, scale);
    }

    private static int titleWidth(String title, String sub) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        try {
            int a = g.getFontMetrics(TITLE).stringWidth(title);
            int b = g.getFontMetrics(SUB).stringWidth(sub + "99");
            return Math.max(a, b);
        } finally {
            g.dispose();
        }
    }

    private static void drawCentered(Graphics2D g, String s, int width, int baseline) {
        int w = g.getFontMetrics().stringWidth(s);
        g.drawString(s, Math.max(MARGIN, (width - w) / 2), baseline);
    }

    private static void drawInput(BufferedImage img, Sample s, Rectangle r) {
        int plane = s.h() * s.w();
        for (int py = 0; py < r.height; py++) {
            int sy = py * s.h() / r.height;
            for (int px = 0; px < r.width; px++) {
                int sx = px * s.w() / r.width;
                int idx = sy * s.w() + sx;
                int red = byteOf(s.image()[idx]);
                int green = s.c() == 3 ? byteOf(s.image()[plane + idx]) : red;
                int blue = s.c() == 3 ? byteOf(s.image()[2 * plane + idx]) : red;
                img.setRGB(r.x + px, r.y + py, (red << 16) | (green << 8) | blue);
            }
        }
    }

    /** Min–max normalises one channel and draws it nearest-neighbour into {@code r}. */
    private static void drawMap(BufferedImage img, float[] map, int mh, int mw, Rectangle r) {
        double[] norm = normalise(map);
        for (int py = 0; py < r.height; py++) {
            int sy = py * mh / r.height;
            for (int px = 0; px < r.width; px++) {
                int sx = px * mw / r.width;
                img.setRGB(r.x + px, r.y + py, viridis(norm[sy * mw + sx]));
            }
        }
    }

    /** (v - min) / (max - min); a constant channel (or only non-finite values) maps to 0. */
    static double[] normalise(float[] map) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : map) {
            if (Float.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        double[] out = new double[map.length];
        double span = max - min;
        for (int i = 0; i < map.length; i++) {
            out[i] = !(span > 0) || !Float.isFinite(map[i]) ? 0 : (map[i] - min) / span;
        }
        return out;
    }

    private static final int[] VIRIDIS = {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779,
            0x6ece58, 0xb5de2b, 0xfde725};

    /** matplotlib's viridis, linearly interpolated between 10 stops; t in 0..1. */
    static int viridis(double t) {
        double v = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
        int i = Math.min(VIRIDIS.length - 2, (int) Math.floor(v));
        double f = v - i;
        int a = VIRIDIS[i];
        int b = VIRIDIS[i + 1];
        int red = (int) Math.round(((a >> 16) & 255) + (((b >> 16) & 255) - ((a >> 16) & 255)) * f);
        int green = (int) Math.round(((a >> 8) & 255) + (((b >> 8) & 255) - ((a >> 8) & 255)) * f);
        int blue = (int) Math.round((a & 255) + ((b & 255) - (a & 255)) * f);
        return (red << 16) | (green << 8) | blue;
    }

    private static int byteOf(float v) {
        if (!Float.isFinite(v)) {
            return 0;
        }
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }

    private static void write(BufferedImage img, Path png) {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer");
            }
        });
    }
}
