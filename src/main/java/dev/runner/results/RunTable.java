package dev.runner.results;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.Json;
import dev.runner.ResultFiles;
import dev.runner.Text;
import dev.runner.UserError;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code runner table}: one row per run, with the experiment keys that differ between the runs, the final metrics,
 * status and time, sorted by a metric (best first). Runs come from run folders, sweep folders (their trials, in
 * the index's order, pending ones included) and folders holding either (an experiment's results, the results
 * root). Rendered as text, markdown, csv or json (docs/cli.md).
 */
public final class RunTable {
    public enum Format { TEXT, MARKDOWN, CSV, JSON }

    /** The metric columns, in this order; a column appears when some run has it. */
    static final List<String> METRICS = List.of("test_accuracy", "train_accuracy", "test_loss", "train_loss");

    /**
     * One row.
     *
     * @param run     how the run is named: the trial's name, or name/run-id
     * @param folder  its folder (null for a trial that has not started)
     * @param params  the experiment flattened to key paths (lists as one value)
     * @param metrics the final metrics present
     */
    public record Row(String run, Path folder, Map<String, Object> params, Map<String, Double> metrics,
                      String status, Double seconds) {}

    /** The table: its rows sorted, the parameter columns that differ, the metric columns present. */
    public record Table(List<Row> rows, List<String> params, List<String> metrics, String sortMetric,
                        boolean maximize) {}

    private RunTable() {
    }

    /**
     * Reads the runs under {@code paths}.
     *
     * @param metric the sort metric, or null for the sweep's own (when every path is one sweep) else test_accuracy
     */
    public static Table of(List<Path> paths, String metric) {
        List<Row> rows = new ArrayList<>();
        String sweepMetric = null;
        Boolean sweepMax = null;
        Set<Path> seen = new LinkedHashSet<>();
        Set<String> sweepKeys = new LinkedHashSet<>();
        for (Path p : paths) {
            if (!Files.isDirectory(p)) {
                throw new UserError("no such folder: " + p);
            }
            int before = rows.size();
            for (Path f : collect(p)) {
                Path key = f.toAbsolutePath().normalize();
                if (!seen.add(key)) continue;
                if (SweepFolder.isSweepFolder(f)) {
                    SweepFolder.Index idx = SweepFolder.read(f);
                    sweepMetric = sweepMetric == null ? idx.metric() : sweepMetric;
                    sweepMax = sweepMax == null ? idx.maximize() : sweepMax;
                    sweepKeys.addAll(idx.keys());
                    for (SweepFolder.Trial t : idx.trials()) {
                        Path run = SweepFolder.runFolder(f, t);
                        seen.add(run.toAbsolutePath().normalize());
                        if (RunReader.isResultsFolder(run)) {
                            Row r = row(RunReader.read(run), t.name());
                            if (("running".equals(r.status()) || "crashed".equals(r.status()))
                                    && !SweepFolder.RUNNING.equals(t.status())) {
                                // the trial's process ended without saying how (killed): the index knows
                                r = new Row(r.run(), r.folder(), r.params(), r.metrics(), t.status(), r.seconds());
                            }
                            rows.add(r);
                        } else {
                            Map<String, Object> params = new LinkedHashMap<>();
                            t.values().forEach((k, v) -> params.put(k, v));
                            rows.add(new Row(t.name(), null, params, Map.of(), t.status(), null));
                        }
                    }
                } else {
                    RunReader.Run r = RunReader.read(f);
                    rows.add(row(r, r.label()));
                }
            }
            if (rows.size() == before) {
                throw new UserError("no runs under " + p + " (expected run folders with metrics.json, or a sweep"
                        + " folder with sweep.json)");
            }
        }
        String sort = metric != null ? metric : sweepMetric != null ? sweepMetric : "test_accuracy";
        if (!METRICS.contains(sort)) {
            throw new UserError("--metric " + sort + ": expected one of " + String.join(", ", METRICS), 2, null);
        }
        boolean max = metric == null && sweepMax != null ? sweepMax : !sort.endsWith("_loss");
        List<String> params = differing(rows);
        if (!sweepKeys.isEmpty()) {
            // a sweep's keys first, in the order the sweep gives them
            List<String> ordered = new ArrayList<>(sweepKeys.stream().filter(params::contains).toList());
            params.stream().filter(k -> !ordered.contains(k)).forEach(ordered::add);
            params = ordered;
        }
        List<String> metricCols = METRICS.stream().filter(m -> rows.stream().anyMatch(r -> r.metrics().containsKey(m)))
                .toList();
        List<Row> sorted = new ArrayList<>(rows);
        Comparator<Row> byMetric = Comparator.comparing((Row r) -> r.metrics().get(sort),
                Comparator.nullsLast(max ? Comparator.<Double>reverseOrder() : Comparator.<Double>naturalOrder()));
        sorted.sort(byMetric);
        return new Table(List.copyOf(sorted), params, metricCols, sort, max);
    }

    /** Run folders and sweep folders in or under {@code p} (the folder itself when it is one). */
    private static List<Path> collect(Path p) {
        if (RunReader.isResultsFolder(p) || SweepFolder.isSweepFolder(p)) {
            return List.of(p);
        }
        List<Path> out = new ArrayList<>();
        List<Path> children = ResultFiles.directories(p).stream().sorted(RunFolder.START_ORDER).toList();
        for (Path c : children) {
            if (c.getFileName().toString().startsWith(RunFolder.CHECKPOINT)) continue;
            out.addAll(collect(c));
        }
        return out;
    }

    private static Row row(RunReader.Run r, String label) {
        Map<String, Object> params = new LinkedHashMap<>();
        if (r.experiment() != null) {
            flatten("", r.experiment(), params);
        }
        params.remove("description");
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (r.metrics()) {
            for (String m : METRICS) {
                Double v = SweepFolder.metric(r, m);
                if (v != null && Double.isFinite(v)) metrics.put(m, v);
            }
        }
        return new Row(label, r.folder(), params, metrics, r.status(), SweepFolder.seconds(r));
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> m, Map<String, Object> out) {
        m.forEach((k, v) -> {
            String key = prefix.isEmpty() ? k : prefix + "." + k;
            if (v instanceof Map<?, ?> sub && !sub.isEmpty()) {
                flatten(key, (Map<String, Object>) sub, out);
            } else {
                out.put(key, v);
            }
        });
    }

    /** The keys whose values are not the same in every row (rows without a run only count for their own keys). */
    private static List<String> differing(List<Row> rows) {
        Set<String> keys = new LinkedHashSet<>();
        rows.forEach(r -> keys.addAll(r.params().keySet()));
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            Set<String> seen = new LinkedHashSet<>();
            for (Row r : rows) {
                if (r.folder() == null && !r.params().containsKey(k)) continue;
                seen.add(Objects.toString(cell(r.params().get(k))));
            }
            if (seen.size() > 1) out.add(k);
        }
        return out;
    }

    // ---------------------------------------------------------------- rendering

    public static String render(Table t, Format f) {
        return switch (f) {
            case TEXT -> text(t);
            case MARKDOWN -> markdown(t);
            case CSV -> csv(t);
            case JSON -> json(t);
        };
    }

    private static List<String> header(Table t) {
        List<String> h = new ArrayList<>();
        h.add("run");
        h.addAll(t.params());
        h.addAll(t.metrics());
        h.add("status");
        h.add("time_s");
        return h.stream().map(x -> Text.printable(x, 200)).toList();
    }

    private static List<String> cells(Table t, Row r, boolean raw) {
        List<String> c = new ArrayList<>();
        c.add(r.run());
        for (String p : t.params()) c.add(r.params().containsKey(p) ? cell(r.params().get(p)) : "");
        for (String m : t.metrics()) {
            Double v = r.metrics().get(m);
            c.add(v == null ? "" : raw ? plain(v) : m.endsWith("accuracy")
                    ? String.format(Locale.ROOT, "%.2f %%", 100 * v) : String.format(Locale.ROOT, "%.4f", v));
        }
        c.add(r.status());
        c.add(r.seconds() == null ? "" : raw ? plain(r.seconds()) : String.format(Locale.ROOT, "%.1f", r.seconds()));
        return c.stream().map(x -> Text.printable(x, 200)).toList();
    }

    private static String text(Table t) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(header(t));
        t.rows().forEach(r -> lines.add(cells(t, r, false)));
        int[] w = new int[lines.get(0).size()];
        for (List<String> l : lines) {
            for (int i = 0; i < l.size(); i++) w[i] = Math.max(w[i], l.get(i).length());
        }
        StringBuilder sb = new StringBuilder();
        for (int li = 0; li < lines.size(); li++) {
            List<String> l = lines.get(li);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) line.append("  ");
                line.append(l.get(i)).append(" ".repeat(w[i] - l.get(i).length()));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
            if (li == 0) {
                int total = 0;
                for (int x : w) total += x;
                sb.append("-".repeat(total + 2 * (w.length - 1))).append('\n');
            }
        }
        sb.append(String.format(Locale.ROOT, "sorted by %s (%s first)%n", t.sortMetric(),
                t.maximize() ? "highest" : "lowest"));
        return sb.toString();
    }

    private static String markdown(Table t) {
        StringBuilder sb = new StringBuilder();
        List<String> h = header(t);
        sb.append("| ").append(String.join(" | ", h.stream().map(RunTable::md).toList())).append(" |\n|");
        for (String x : h) sb.append("---|");
        sb.append('\n');
        for (Row r : t.rows()) {
            sb.append("| ").append(String.join(" | ", cells(t, r, false).stream().map(RunTable::md).toList()))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String md(String s) {
        return s.replace("|", "\\|");
    }

    private static String csv(Table t) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", header(t).stream().map(RunTable::csvCell).toList())).append('\n');
        for (Row r : t.rows()) {
            sb.append(String.join(",", cells(t, r, true).stream().map(RunTable::csvCell).toList())).append('\n');
        }
        return sb.toString();
    }

    private static String csvCell(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    private static String json(Table t) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("sorted_by", t.sortMetric());
        n.put("goal", t.maximize() ? "max" : "min");
        n.set("params", Json.MAPPER.valueToTree(t.params()));
        ArrayNode rows = n.putArray("rows");
        for (Row r : t.rows()) {
            ObjectNode o = rows.addObject();
            o.put("run", r.run());
            o.put("folder", r.folder() == null ? null : r.folder().toString());
            ObjectNode ps = o.putObject("params");
            for (String p : t.params()) ps.set(p, Json.MAPPER.valueToTree(r.params().get(p)));
            ObjectNode ms = o.putObject("metrics");
            for (String m : t.metrics()) {
                Double v = r.metrics().get(m);
                if (v == null) ms.putNull(m);
                else ms.put(m, v);
            }
            o.put("status", r.status());
            if (r.seconds() == null) o.putNull("seconds");
            else o.put("seconds", r.seconds());
        }
        try {
            return Json.MAPPER.writeValueAsString(n) + "\n";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A parameter value for people: numbers in their shortest form, lists and maps as compact JSON. */
    static String cell(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return plain(d);
        if (v instanceof Float fl) return plain(fl.doubleValue());
        if (v instanceof Number || v instanceof String || v instanceof Boolean) return v.toString();
        try {
            return Json.ONE_LINE.writeValueAsString(v);
        } catch (IOException e) {
            return v.toString();
        }
    }

    static String plain(double d) {
        if (!Double.isFinite(d)) return String.valueOf(d);
        if (d != 0 && (Math.abs(d) < 1e-4 || Math.abs(d) >= 1e7)) return Double.toString(d);
        return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }
}
