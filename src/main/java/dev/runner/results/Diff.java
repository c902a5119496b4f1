package dev.runner.results;

import dev.runner.results.charts.OverlayChart;
import dev.runner.Json;

import java.math.BigDecimal;
import java.math.MathContext;
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
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runner.UserError;
import dev.runner.spec.LayerNames;

/**
 * {@code runner diff A B}: what differs between two results folders, in the experiment (every resolved key of
 * experiment.yaml, as dotted paths) and in the metrics (B − A), rendered as text, Markdown or JSON.
 */
public final class Diff {
    private Diff() {
    }

    /** Metric groups, in the order they are listed; within a group, the largest |difference| first. */
    public static final List<String> GROUPS = List.of("accuracy", "per-class test accuracy", "loss", "time");

    /**
     * A key of experiment.yaml whose value differs. {@code inA}/{@code inB} false = the key is absent there
     * (then the value is null).
     */
    public record KeyChange(String key, Object a, boolean inA, Object b, boolean inB) {
    }

    /**
     * One metric of both runs. Accuracies are fractions (shown in percent and percentage points), losses plain,
     * time in seconds. {@code a}/{@code b} null when the run does not have it; difference = b − a (rounded to 12
     * significant digits), null unless both are present.
     */
    public record MetricChange(String group, String metric, Double a, Double b, Double difference) {
        public boolean isAccuracy() {
            return group.contains("accuracy");
        }
    }

    /** The comparison. {@code notes} explain anything unusual (failed run, different lengths, missing files). */
    public record Result(RunReader.Run runA, RunReader.Run runB, List<KeyChange> experiment,
                         List<MetricChange> metrics, List<String> notes) {
    }

    /** Output formats of {@link #render}. */
    public enum Format {
        TEXT, MARKDOWN, JSON;

        /** {@code text}, {@code markdown} (or {@code md}), {@code json}; anything else is a UserError. */
        public static Format parse(String s) {
            return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
                case "text", "txt" -> TEXT;
                case "markdown", "md" -> MARKDOWN;
                case "json" -> JSON;
                default -> throw new UserError("--format: expected text, markdown or json, got '" + s + "'");
            };
        }
    }

    /** Compares two results folders; a {@link UserError} when either is not one. */
    public static Result compare(Path a, Path b) {
        return compare(RunReader.read(a), RunReader.read(b));
    }

    public static Result compare(RunReader.Run a, RunReader.Run b) {
        List<String> notes = new ArrayList<>();
        List<KeyChange> keys = new ArrayList<>();
        if (a.experiment() == null || b.experiment() == null) {
            for (RunReader.Run r : List.of(a, b)) {
                if (r.experiment() == null) {
                    notes.add(side(r, a) + " (" + r.label() + ") has no experiment.yaml: experiment keys not "
                            + "compared");
                }
            }
        } else {
            keys = experimentChanges(a.experiment(), b.experiment());
        }
        for (RunReader.Run r : List.of(a, b)) {
            String who = side(r, a) + " (" + r.label() + ")";
            if (!r.metrics()) {
                notes.add(who + " has no metrics.json (an LR range test): its metrics are not compared");
                continue;
            }
            if (!r.completed()) {
                String why = r.error() == null || r.error().isBlank() ? "" : ": " + r.error();
                String state = switch (r.status()) {
                    case "failed" -> "failed";
                    case "interrupted" -> "was interrupted";
                    case "running" -> "is still running";
                    case RunReader.CRASHED -> "crashed (its process is gone)";
                    default -> "has status '" + r.status() + "'";
                };
                notes.add(String.format(Locale.ROOT, "%s %s%s; it completed %d of %d planned epochs, and those are "
                        + "what is compared", who, state, why, r.epochs().size(), r.epochsPlanned()));
            }
        }
        if (a.metrics() && b.metrics() && a.epochs().size() != b.epochs().size()) {
            notes.add(String.format(Locale.ROOT, "the runs have different lengths: A has %d epochs, B has %d; "
                            + "final metrics are each run's own last epoch, best ones over each run's epochs",
                    a.epochs().size(), b.epochs().size()));
        }
        List<MetricChange> metrics = new ArrayList<>();
        if (a.metrics() || b.metrics()) {
            metrics = metricChanges(a, b);
        }
        return new Result(a, b, List.copyOf(keys), List.copyOf(metrics), List.copyOf(notes));
    }

    private static String side(RunReader.Run r, RunReader.Run a) {
        return r == a ? "A" : "B";
    }

    // ------------------------------------------------------------------ experiment

    /**
     * Every leaf whose value differs, as dotted paths ({@code data.augment[0].pad.size}, list indices in
     * brackets; the items of a {@code layers:} list by their names, {@code model.layers.conv1.conv.filters}, and a
     * layer only one side has as one key holding the whole layer), in document order: A's keys first at each
     * level, then the keys only B has. Where one side has a scalar (or an empty map/list) and the other a
     * structure, both sides' leaves are listed, each absent on the other side. Numbers compare by value (1 equals 1.0).
     */
    static List<KeyChange> experimentChanges(Map<String, Object> a, Map<String, Object> b) {
        List<KeyChange> out = new ArrayList<>();
        diff("", a, true, b, true, out);
        return out;
    }

    private static void diff(String prefix, Object a, boolean inA, Object b, boolean inB, List<KeyChange> out) {
        if (inA && inB && a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb && !ma.isEmpty()
                && !mb.isEmpty()) {
            Set<Object> keys = new LinkedHashSet<>(ma.keySet());
            keys.addAll(mb.keySet());
            for (Object k : keys) {
                String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
                diff(key, ma.get(k), ma.containsKey(k), mb.get(k), mb.containsKey(k), out);
            }
            return;
        }
        if (inA && inB && a instanceof List<?> la && b instanceof List<?> lb && isLayerList(prefix)) {
            // layers by name (conv1 with conv1), not by position: an added or removed layer is one row
            List<String> na = LayerNames.of(la);
            List<String> nb = LayerNames.of(lb);
            Set<String> names = new LinkedHashSet<>(na);
            names.addAll(nb);
            for (String n : names) {
                int ia = na.indexOf(n);
                int ib = nb.indexOf(n);
                String key = prefix + "." + n;
                if (ia >= 0 && ib >= 0) {
                    diff(key, la.get(ia), true, lb.get(ib), true, out);
                } else {
                    out.add(new KeyChange(key, ia >= 0 ? la.get(ia) : null, ia >= 0, ib >= 0 ? lb.get(ib) : null,
                            ib >= 0));
                }
            }
            return;
        }
        if (inA && inB && a instanceof List<?> la && b instanceof List<?> lb && !la.isEmpty() && !lb.isEmpty()) {
            for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
                diff(prefix + "[" + i + "]", i < la.size() ? la.get(i) : null, i < la.size(),
                        i < lb.size() ? lb.get(i) : null, i < lb.size(), out);
            }
            return;
        }
        Map<String, Object> fa = new LinkedHashMap<>();
        Map<String, Object> fb = new LinkedHashMap<>();
        if (inA) {
            flatten(prefix, a, fa);
        }
        if (inB) {
            flatten(prefix, b, fb);
        }
        Set<String> keys = new LinkedHashSet<>(fa.keySet());
        keys.addAll(fb.keySet());
        for (String k : keys) {
            boolean ka = fa.containsKey(k);
            boolean kb = fb.containsKey(k);
            if (ka != kb || !sameValue(fa.get(k), fb.get(k))) {
                out.add(new KeyChange(k, fa.get(k), ka, fb.get(k), kb));
            }
        }
    }

    /**
     * An experiment flattened the way {@link #experimentChanges} compares it: dotted key paths, the items of a
     * {@code layers:} list under their names ({@code model.layers.conv1.conv.filters}), other lists by index,
     * empty maps and lists as values. Two runs differ in a key when one lacks it or the values differ.
     */
    public static Map<String, Object> flattenByName(Map<String, Object> experiment) {
        Map<String, Object> out = new LinkedHashMap<>();
        flattenByName("", experiment, out);
        return out;
    }

    private static void flattenByName(String prefix, Object v, Map<String, Object> out) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                flattenByName(prefix.isEmpty() ? k : prefix + "." + k, e.getValue(), out);
            }
        } else if (v instanceof List<?> l && !l.isEmpty()) {
            List<String> names = isLayerList(prefix) ? LayerNames.of(l) : null;
            for (int i = 0; i < l.size(); i++) {
                flattenByName(names != null ? prefix + "." + names.get(i) : prefix + "[" + i + "]", l.get(i), out);
            }
        } else {
            out.put(prefix, v);
        }
    }

    /** A {@code layers:} list (the model's, a block's, a residual's), whose items are compared by name. */
    static boolean isLayerList(String key) {
        return key.equals("layers") || key.endsWith(".layers");
    }

    static void flatten(String prefix, Object v, Map<String, Object> out) {
        if (v instanceof Map<?, ?> m && !m.isEmpty()) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                flatten(prefix.isEmpty() ? k : prefix + "." + k, e.getValue(), out);
            }
        } else if (v instanceof List<?> l && !l.isEmpty()) {
            for (int i = 0; i < l.size(); i++) {
                flatten(prefix + "[" + i + "]", l.get(i), out);
            }
        } else {
            out.put(prefix, v);
        }
    }

    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
        }
        return Objects.equals(a, b);
    }

    // ------------------------------------------------------------------ metrics

    static List<MetricChange> metricChanges(RunReader.Run a, RunReader.Run b) {
        List<MetricChange> acc = new ArrayList<>();
        acc.add(metric("accuracy", "final test accuracy", a, b, Diff::finalTestAccuracy));
        acc.add(metric("accuracy", "best test accuracy", a, b, r -> max(r, RunReader.Epoch::testAccuracy)));
        if (finalTrainAccuracy(a) != null || finalTrainAccuracy(b) != null) {
            acc.add(metric("accuracy", "final train accuracy", a, b, Diff::finalTrainAccuracy));
        }
        List<MetricChange> perClass = new ArrayList<>();
        Set<String> classes = new LinkedHashSet<>(a.classes());
        classes.addAll(b.classes());
        for (String c : classes) {
            MetricChange m = metric("per-class test accuracy", "test accuracy: " + c, a, b, r -> perClass(r, c));
            if (m.a() != null || m.b() != null) {
                perClass.add(m);
            }
        }
        List<MetricChange> loss = new ArrayList<>();
        loss.add(metric("loss", "final train loss", a, b, r -> last(r, RunReader.Epoch::trainLoss)));
        loss.add(metric("loss", "final test loss", a, b, r -> last(r, RunReader.Epoch::testLoss)));
        List<MetricChange> time = new ArrayList<>();
        time.add(metric("time", "mean seconds per epoch", a, b, Diff::meanSeconds));
        List<MetricChange> out = new ArrayList<>();
        for (List<MetricChange> g : List.of(acc, perClass, loss, time)) {
            g.sort(BIGGEST_FIRST);
            out.addAll(g);
        }
        return out;
    }

    /** Largest |difference| first; metrics without a difference last; ties keep their order (stable sort). */
    private static final Comparator<MetricChange> BIGGEST_FIRST = Comparator.comparingDouble(
            m -> m.difference() == null ? Double.POSITIVE_INFINITY : -Math.abs(m.difference()));

    private static MetricChange metric(String group, String name, RunReader.Run a, RunReader.Run b,
                                       Function<RunReader.Run, Double> f) {
        Double va = a.metrics() ? f.apply(a) : null;
        Double vb = b.metrics() ? f.apply(b) : null;
        Double d = va != null && vb != null ? round12(vb - va) : null;
        return new MetricChange(group, name, va, vb, d);
    }

    static double round12(double v) {
        if (!Double.isFinite(v) || v == 0) {
            return v;
        }
        return new BigDecimal(v).round(new MathContext(12)).doubleValue();
    }

    static Double finalTestAccuracy(RunReader.Run r) {
        if (r.fin() != null && r.fin().testAccuracy() != null) {
            return r.fin().testAccuracy();
        }
        return last(r, RunReader.Epoch::testAccuracy);
    }

    static Double finalTrainAccuracy(RunReader.Run r) {
        if (r.fin() != null && r.fin().trainAccuracy() != null) {
            return r.fin().trainAccuracy();
        }
        return last(r, RunReader.Epoch::trainAccuracy);
    }

    private static Double perClass(RunReader.Run r, String c) {
        return r.fin() == null || r.fin().perClass() == null ? null : r.fin().perClass().get(c);
    }

    private static Double last(RunReader.Run r, Function<RunReader.Epoch, Double> f) {
        List<RunReader.Epoch> e = r.epochs();
        return e.isEmpty() ? null : finite(f.apply(e.get(e.size() - 1)));
    }

    private static Double max(RunReader.Run r, Function<RunReader.Epoch, Double> f) {
        Double best = null;
        for (RunReader.Epoch e : r.epochs()) {
            Double v = finite(f.apply(e));
            if (v != null && (best == null || v > best)) {
                best = v;
            }
        }
        return best;
    }

    private static Double meanSeconds(RunReader.Run r) {
        double sum = 0;
        int n = 0;
        for (RunReader.Epoch e : r.epochs()) {
            Double s = finite(e.seconds());
            if (s != null) {
                sum += s;
                n++;
            }
        }
        return n == 0 ? null : sum / n;
    }

    private static Double finite(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }

    // ------------------------------------------------------------------ rendering

    /** Renders in {@code text}, {@code markdown} or {@code json} (see {@link Format#parse}). */
    public static String render(Result r, String format) {
        return render(r, Format.parse(format));
    }

    public static String render(Result r, Format format) {
        return switch (format) {
            case TEXT -> text(r);
            case MARKDOWN -> markdown(r);
            case JSON -> json(r);
        };
    }

    /** Draws both runs' loss and accuracy curves overlaid ({@code diff --plot FILE.png}). */
    public static void plot(Result r, Path png) {
        List<RunReader.Run> runs = List.of(r.runA(), r.runB());
        List<String> names = new ArrayList<>();
        List<double[]> trainLoss = new ArrayList<>();
        List<double[]> testLoss = new ArrayList<>();
        List<double[]> testAcc = new ArrayList<>();
        List<double[]> trainAcc = new ArrayList<>();
        for (RunReader.Run run : runs) {
            names.add(runs.get(0).name().equals(runs.get(1).name()) ? run.label() : run.name());
            trainLoss.add(run.epochColumn(RunReader.Epoch::trainLoss));
            testLoss.add(run.epochColumn(RunReader.Epoch::testLoss));
            testAcc.add(run.epochColumn(RunReader.Epoch::testAccuracy));
            trainAcc.add(run.hasTrainAccuracy() ? run.epochColumn(RunReader.Epoch::trainAccuracy) : null);
        }
        OverlayChart.draw(png, names.get(0) + " vs " + names.get(1) + " \u2014 loss and accuracy per epoch", names,
                trainLoss, testLoss, testAcc, trainAcc);
    }

    static String value(Object v, boolean present) {
        if (!present) {
            return "(absent)";
        }
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> m && m.isEmpty()) {
            return "{}";
        }
        if (v instanceof List<?> l && l.isEmpty()) {
            return "[]";
        }
        return HumanText.value(v);
    }

    /** A metric value for people: accuracies in percent, time in seconds, losses with 4 decimals. */
    static String metricValue(MetricChange m, Double v) {
        if (v == null) {
            return "\u2014";
        }
        if (m.isAccuracy()) {
            return String.format(Locale.ROOT, "%.2f %%", v * 100);
        }
        if (m.group().equals("time")) {
            return String.format(Locale.ROOT, "%.1f s", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String metricDifference(MetricChange m) {
        Double d = m.difference();
        if (d == null) {
            return "\u2014";
        }
        if (m.isAccuracy()) {
            return String.format(Locale.ROOT, "%+.2f pp", d * 100);
        }
        if (m.group().equals("time")) {
            String rel = m.a() != null && m.a() != 0 ? String.format(Locale.ROOT, " (%+.0f %%)", 100 * d / m.a())
                    : "";
            return String.format(Locale.ROOT, "%+.1f s", d) + rel;
        }
        return String.format(Locale.ROOT, "%+.4f", d);
    }

    private static String describe(RunReader.Run r) {
        String len = r.metrics() ? String.format(Locale.ROOT, ", %d of %d epochs", r.epochs().size(),
                r.epochsPlanned()) : ", LR range test";
        return r.label() + " (" + r.status() + len + ") " + r.folder();
    }

    static String text(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("A: ").append(describe(r.runA())).append('\n');
        sb.append("B: ").append(describe(r.runB())).append('\n');
        for (String n : r.notes()) {
            sb.append("note: ").append(n).append('\n');
        }
        sb.append('\n');
        if (r.runA().experiment() != null && r.runB().experiment() != null) {
            if (r.experiment().isEmpty()) {
                sb.append("Experiment: no differences\n");
            } else {
                sb.append("Experiment: ").append(r.experiment().size()).append(r.experiment().size() == 1
                        ? " key differs\n" : " keys differ\n");
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[]{"key", "A", "B"});
                for (KeyChange k : r.experiment()) {
                    rows.add(new String[]{k.key(), oneLine(value(k.a(), k.inA())), oneLine(value(k.b(), k.inB()))});
                }
                table(sb, rows, false);
            }
            sb.append('\n');
        }
        if (!r.metrics().isEmpty()) {
            sb.append("Metrics (difference = B - A):\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"metric", "A", "B", "difference"});
            for (MetricChange m : r.metrics()) {
                rows.add(new String[]{m.metric(), metricValue(m, m.a()), metricValue(m, m.b()), metricDifference(m)});
            }
            table(sb, rows, true);
        }
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<String[]> rows, boolean rightAlignNumbers) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] row : rows) {
            for (int c = 0; c < cols; c++) {
                w[c] = Math.max(w[c], row[c].length());
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            String[] row = rows.get(i);
            StringBuilder line = new StringBuilder("  ");
            for (int c = 0; c < cols; c++) {
                boolean right = rightAlignNumbers && c > 0 && i > 0;
                String cell = right ? " ".repeat(w[c] - row[c].length()) + row[c]
                        : row[c] + " ".repeat(w[c] - row[c].length());
                line.append(cell);
                if (c < cols - 1) {
                    line.append("  ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    static String markdown(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("**A:** `").append(r.runA().label()).append("` (").append(r.runA().status()).append(")  \n");
        sb.append("**B:** `").append(r.runB().label()).append("` (").append(r.runB().status()).append(")\n\n");
        for (String n : r.notes()) {
            sb.append("> **Note:** ").append(md(n)).append("\n\n");
        }
        if (r.runA().experiment() != null && r.runB().experiment() != null) {
            sb.append(experimentTable(r.experiment(), Set.of()));
            sb.append('\n');
        }
        if (!r.metrics().isEmpty()) {
            sb.append(metricsTable(r.metrics()));
        }
        return sb.toString();
    }

    /** The Markdown table of experiment differences, leaving out the given keys. */
    static String experimentTable(List<KeyChange> changes, Set<String> skip) {
        StringBuilder sb = new StringBuilder();
        List<KeyChange> shown = changes.stream().filter(k -> !skip.contains(k.key())).toList();
        if (shown.isEmpty()) {
            return "No differences in the experiment.\n";
        }
        sb.append("| key | A | B |\n|---|---|---|\n");
        for (KeyChange k : shown) {
            sb.append("| `").append(k.key()).append("` | ").append(mdCell(value(k.a(), k.inA()))).append(" | ")
                    .append(mdCell(value(k.b(), k.inB()))).append(" |\n");
        }
        return sb.toString();
    }

    /** The Markdown table of metrics. */
    static String metricsTable(List<MetricChange> metrics) {
        StringBuilder sb = new StringBuilder("| metric | A | B | difference (B \u2212 A) |\n|---|---:|---:|---:|\n");
        for (MetricChange m : metrics) {
            sb.append("| ").append(md(m.metric())).append(" | ").append(metricValue(m, m.a())).append(" | ")
                    .append(metricValue(m, m.b())).append(" | ").append(metricDifference(m)).append(" |\n");
        }
        return sb.toString();
    }

    private static String oneLine(String s) {
        return s.replace("\r", "").replace("\n", "\\n");
    }

    static String md(String s) {
        return oneLine(s).replace("|", "\\|");
    }

    private static String mdCell(String s) {
        return md(s).isEmpty() ? "\"\"" : md(s);
    }

    private static final ObjectMapper JSON = Json.MAPPER;

    static String json(Result r) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("a", runJson(r.runA()));
        root.put("b", runJson(r.runB()));
        root.put("notes", r.notes());
        List<Map<String, Object>> keys = new ArrayList<>();
        for (KeyChange k : r.experiment()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", k.key());
            if (k.inA()) {
                m.put("a", k.a());
            }
            if (k.inB()) {
                m.put("b", k.b());
            }
            keys.add(m);
        }
        root.put("experiment", keys);
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (MetricChange mc : r.metrics()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("group", mc.group());
            m.put("metric", mc.metric());
            m.put("a", mc.a());
            m.put("b", mc.b());
            m.put("difference", mc.difference());
            metrics.add(m);
        }
        root.put("metrics", metrics);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render diff as JSON", e);
        }
    }

    private static Map<String, Object> runJson(RunReader.Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("folder", r.folder().toString());
        m.put("name", r.name());
        m.put("run_id", r.runId());
        m.put("status", r.status());
        m.put("epochs", r.epochs().size());
        m.put("epochs_planned", r.epochsPlanned());
        return m;
    }
}
