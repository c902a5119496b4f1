package dev.runner.model;

import java.util.List;

/** The network table printed by {@code runner check} and written to summary.txt. */
public final class NetworkTable {
    private NetworkTable() {}

    /**
     * Aligned columns name, type, output shape (C x H x W, batch omitted), params; then a totals line. Params are
     * right-aligned with thousands separators.
     */
    public static String table(List<Network.LayerRow> rows) {
        String[] head = {"name", "type", "output shape", "params"};
        int n = rows.size();
        String[][] cells = new String[n][4];
        long total = 0;
        for (int i = 0; i < n; i++) {
            Network.LayerRow r = rows.get(i);
            cells[i][0] = r.name();
            cells[i][1] = r.type();
            cells[i][2] = GraphCompiler.shapeText(r.outputShape());
            cells[i][3] = String.format("%,d", r.params());
            total += r.params();
        }
        String totalText = String.format("%,d", total);
        int[] w = new int[4];
        for (int c = 0; c < 4; c++) {
            w[c] = head[c].length();
            for (String[] row : cells) w[c] = Math.max(w[c], row[c].length());
        }
        w[3] = Math.max(w[3], totalText.length());
        String label = "total trainable parameters (" + n + " layers)";
        int lack = label.length() + 2 + w[3] - (w[0] + w[1] + w[2] + w[3] + 6);
        if (lack > 0) w[2] += lack;
        StringBuilder sb = new StringBuilder();
        line(sb, w, head);
        int width = w[0] + w[1] + w[2] + w[3] + 6;
        sb.append("-".repeat(width)).append('\n');
        for (String[] row : cells) line(sb, w, row);
        sb.append("-".repeat(width)).append('\n');
        sb.append(pad(label, width - w[3]))
                .append(" ".repeat(w[3] - totalText.length())).append(totalText).append('\n');
        return sb.toString();
    }

    private static void line(StringBuilder sb, int[] w, String[] cells) {
        sb.append(pad(cells[0], w[0] + 2)).append(pad(cells[1], w[1] + 2)).append(pad(cells[2], w[2] + 2))
                .append(" ".repeat(w[3] - cells[3].length())).append(cells[3]).append('\n');
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
