package dev.runner.model;

import java.util.List;
import java.util.Map;

/** The network table printed by {@code runner check} and written to summary.txt. */
public final class NetworkTable {
    private NetworkTable() {}

    /**
     * Aligned columns name, type, output shape (C x H x W, batch omitted), params; then a totals line. Params are
     * right-aligned with thousands separators.
     */
    public static String table(List<Network.LayerRow> rows) {
        return table(rows, Map.of());
    }

    /**
     * The table with a last column, precision, when {@code precisions} (layer name to {@code bf16} or
     * {@code fp32}) is not empty.
     */
    public static String table(List<Network.LayerRow> rows, Map<String, String> precisions) {
        boolean withPrecision = !precisions.isEmpty();
        String[] head = withPrecision ? new String[] {"name", "type", "output shape", "params", "precision"}
                : new String[] {"name", "type", "output shape", "params"};
        int cols = head.length;
        int n = rows.size();
        String[][] cells = new String[n][cols];
        long total = 0;
        long frozen = 0;
        for (int i = 0; i < n; i++) {
            Network.LayerRow r = rows.get(i);
            cells[i][0] = r.name();
            cells[i][1] = r.type();
            cells[i][2] = GraphCompiler.shapeText(r.outputShape());
            cells[i][3] = String.format("%,d", r.params());
            if (withPrecision) cells[i][4] = precisions.getOrDefault(r.name(), "");
            total += r.params();
            frozen += r.frozen();
        }
        String totalText = String.format("%,d", total);
        int[] w = new int[cols];
        for (int c = 0; c < cols; c++) {
            w[c] = head[c].length();
            for (String[] row : cells) w[c] = Math.max(w[c], row[c].length());
        }
        w[3] = Math.max(w[3], totalText.length());
        String label = "total trainable parameters (" + n + " layers)";
        int lack = label.length() + 2 + w[3] - (w[0] + w[1] + w[2] + w[3] + 6);
        if (lack > 0) w[2] += lack;
        StringBuilder sb = new StringBuilder();
        line(sb, w, head);
        int width = w[0] + w[1] + w[2] + w[3] + 6 + (withPrecision ? 2 + w[4] : 0);
        sb.append("-".repeat(width)).append('\n');
        for (String[] row : cells) line(sb, w, row);
        sb.append("-".repeat(width)).append('\n');
        sb.append(pad(label, w[0] + w[1] + w[2] + 6))
                .append(" ".repeat(w[3] - totalText.length())).append(totalText).append('\n');
        if (frozen > 0) {
            String f = String.format("%,d", frozen);
            sb.append(pad("of which frozen (trainable: false)", w[0] + w[1] + w[2] + 6))
                    .append(" ".repeat(Math.max(0, w[3] - f.length()))).append(f).append('\n');
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, int[] w, String[] cells) {
        sb.append(pad(cells[0], w[0] + 2)).append(pad(cells[1], w[1] + 2)).append(pad(cells[2], w[2] + 2))
                .append(" ".repeat(w[3] - cells[3].length())).append(cells[3]);
        if (cells.length > 4) sb.append("  ").append(cells[4]);
        sb.append('\n');
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
