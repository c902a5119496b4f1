package dev.runner.results;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.Json;
import dev.runner.ResultFiles;
import dev.runner.Text;
import dev.runner.UserError;
import java.io.IOException;
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
 * status and time, sorted by a metric (best first). By default the parameter columns are the short scalar keys
 * that differ, and a changed network is one column, {@code layers}, naming the layers that differ from the most
 * common network; {@code --columns} chooses them. Runs come from run folders, sweep folders (their trials, in
 * the index's order, pending ones included) and folders holding either (an experiment's results, the results
 * root). Rendered as text, markdown, csv or json (docs/cli.md).
 */
public final class RunTable {
    public enum Format { TEXT, MARKDOWN, CSV, JSON }

    /** The metric columns, in this order; a column appears when some run has it. */
    static final List<String> METRICS = dev.runner.spec.Language.EPOCH_METRICS;

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

    /** The column naming the layers that differ from the most common network ({@link #layersCell}). */
    public static final String LAYERS = "layers";

    /** Longest value (in characters) of a key shown by default. */
    static final int SHORT = 24;

    /**
     * The table: its rows sorted, the parameter columns shown, the metric columns present.
     *
     * @param hidden    keys that differ but are not shown (long or structured values), for a footer line
     * @param reference the run whose network the {@code layers} column compares with, or null
     */
    public record Table(List<Row> rows, List<String> params, List<String> metrics, String sortMetric,
                        boolean maximize, List<String> hidden, String reference) {}

    private RunTable() {
    }

    /**
     * Reads the runs under {@code paths}.
     *
     * @param metric the sort metric, or null for the sweep's own (when every path is one sweep) else test_accuracy
     */
    public static Table of(List<Path> paths, String metric) {
        return of(paths, metric, null);
    }

    /**
     * Reads the runs under {@code paths}.
     *
     * @param metric  the sort metric, or null for the sweep's own (when every path is one sweep) else
     *                test_accuracy
     * @param columns the parameter columns to show (flattened keys such as {@code optimizer.sgd.lr}, or
     *                {@code layers}), or null for the default: the short scalar keys that differ
     */
    public static Table of(List<Path> paths, String metric, List<String> columns) {
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
        if (!METRICS.contains(sort) && !dev.runner.spec.EvaluateSpec.isTopKMetric(sort)) {
            throw new UserError("--metric " + sort + ": expected one of " + String.join(", ", METRICS)
                    + " or a top-k accuracy such as test_top5_accuracy", 2, null);
        }
        boolean max = metric == null && sweepMax != null ? sweepMax : !sort.endsWith("_loss");
        List<String> differ = differing(rows);
        String reference = null;
        List<Row> withLayers = rows;
        if (differ.contains(MODEL_LAYERS) || columns != null && columns.contains(LAYERS)) {
            Object ref = commonNetwork(rows);
            reference = rows.stream().filter(r -> Objects.equals(r.params().get(MODEL_LAYERS), ref)).findFirst()
                    .map(Row::run).orElse(null);
            withLayers = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> ps = new LinkedHashMap<>(r.params());
                if (r.params().get(MODEL_LAYERS) instanceof List<?> l && ref instanceof List<?> rl) {
                    ps.put(LAYERS, layersCell(rl, l));
                }
                withLayers.add(new Row(r.run(), r.folder(), ps, r.metrics(), r.status(), r.seconds()));
            }
        }
        List<String> params = new ArrayList<>();
        List<String> hidden = new ArrayList<>();
        if (columns != null) {
            Set<String> known = new LinkedHashSet<>();
            withLayers.forEach(r -> known.addAll(r.params().keySet()));
            for (String c : columns) {
                if (!known.contains(c) && !c.equals(LAYERS)) {
                    throw new UserError("--columns " + c + ": no run has that key (keys look like "
                            + "optimizer.sgd.lr, data.batch_size, or layers)", 2, null);
                }
                params.add(c);
            }
        } else {
            for (String k : differ) {
                if (k.equals(MODEL_LAYERS)) {
                    params.add(LAYERS);
                } else if (sweepKeys.contains(k) || isShortScalar(rows, k)) {
                    params.add(k);
                } else {
                    hidden.add(k);
                }
            }
        }
        if (columns == null && !sweepKeys.isEmpty()) {
            // a sweep's keys first, in the order the sweep gives them
            List<String> ordered = new ArrayList<>(sweepKeys.stream().filter(params::contains).toList());
            params.stream().filter(k -> !ordered.contains(k)).forEach(ordered::add);
            params = ordered;
        }
        List<String> metricCols = new ArrayList<>(METRICS.stream()
                .filter(m -> rows.stream().anyMatch(r -> r.metrics().containsKey(m))).toList());
        // top-k accuracies after the accuracies they extend, in the order the runs record them
        int at = (int) metricCols.stream().filter(m -> m.endsWith("_accuracy")).count();
        for (Row r : rows) {
            for (String m : r.metrics().keySet()) {
                if (dev.runner.spec.EvaluateSpec.isTopKMetric(m) && !metricCols.contains(m)) metricCols.add(at++, m);
            }
        }
        List<Row> sorted = new ArrayList<>(withLayers);
        Comparator<Row> byMetric = Comparator.comparing((Row r) -> r.metrics().get(sort),
                Comparator.nullsLast(max ? Comparator.<Double>reverseOrder() : Comparator.<Double>naturalOrder()));
        sorted.sort(byMetric);
        return new Table(List.copyOf(sorted), List.copyOf(params), List.copyOf(metricCols), sort, max, List.copyOf(hidden),
                reference);
    }

    private static final String MODEL_LAYERS = "model.layers";

    /** True when every row's value of {@code key} is a scalar of at most {@link #SHORT} characters. */
    private static boolean isShortScalar(List<Row> rows, String key) {
        for (Row r : rows) {
            Object v = r.params().get(key);
            if (v instanceof Map || v instanceof List || cell(v).length() > SHORT) return false;
        }
        return true;
    }

    /** The network most rows have (the first row's among equals). */
    private static Object commonNetwork(List<Row> rows) {
        Map<Object, Integer> count = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.params().get(MODEL_LAYERS) instanceof List<?> l) count.merge(l, 1, Integer::sum);
        }
        return count.entrySet().stream().max(Comparator.comparingInt(Map.Entry::getValue)).map(Map.Entry::getKey)
                .orElse(null);
    }

    /**
     * The {@code layers} cell: the layers of {@code layers} that differ from {@code reference}, compared by name,
     * {@code +name} for one only this row has, {@code -name} for one only the reference has; empty when equal.
     */
    static String layersCell(List<?> reference, List<?> layers) {
        Set<String> names = new LinkedHashSet<>();
        for (Diff.KeyChange k : Diff.experimentChanges(Map.of(LAYERS, reference), Map.of(LAYERS, layers))) {
            String rest = k.key().substring(LAYERS.length() + 1);
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            names.add(dot < 0 && !k.inA() ? "+" + name : dot < 0 && !k.inB() ? "-" + name : name);
        }
        return String.join(" ", names);
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
            RunReader.Epoch last = r.epochs().isEmpty() ? null : r.epochs().get(r.epochs().size() - 1);
            if (last != null) {
                last.topK().forEach((m, v) -> {
                    if (v != null && Double.isFinite(v)) metrics.put(m, v);
                });
            }
        }
        return new Row(label, r.folder(), params, metrics, r.statusText(), SweepFolder.seconds(r));
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
        if (t.params().contains(LAYERS) && t.reference() != null) {
            sb.append("layers: the layers that differ from ").append(t.reference())
                    .append("'s network (+ only in that run, - only in ").append(t.reference()).append(")\n");
        }
        if (!t.hidden().isEmpty()) {
            sb.append("also differ: ").append(String.join(", ", t.hidden())).append(" (show with --columns)\n");
        }
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

    /** A parameter value for people ({@link HumanText#value}); empty for null. */
    public static String cell(Object v) {
        return v == null ? "" : HumanText.value(v);
    }

    static String plain(double d) {
        return HumanText.number(d);
    }
}
