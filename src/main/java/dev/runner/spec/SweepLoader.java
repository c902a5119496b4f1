package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.lang.YNode;
import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.lang.YNode.Entry;
import dev.runner.spec.lang.YNode.YList;
import dev.runner.spec.lang.YNode.YMap;
import dev.runner.spec.lang.YNode.YScalar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Reads an experiment's {@code sweep} section (and {@code --grid} flags) and expands it into trials:
 * <pre>
 * sweep:
 *   grid:                                   # every combination, the first key varying slowest
 *     optimizer.sgd.lr: [1e-3, 5e-3]
 *     data.batch_size: [4, 8]
 *   # or random: {trials: 8, seed: 1, params: {optimizer.sgd.lr: {log_uniform: [1e-4, 1e-1]}}}
 *   metric: test_accuracy                   # max; a loss is minimized; or {min: test_loss}
 * </pre>
 * Every trial is loaded as the experiment with its values as {@code --set} overrides, before anything runs: a bad
 * value fails the whole sweep with one line naming the trial and the key.
 */
public final class SweepLoader {
    /** The experiment file's key. */
    public static final String KEY = "sweep";
    static final int MAX_TRIALS = 10_000;

    private SweepLoader() {
    }

    /** {@code kind} or {@code kind: args} with kind one of {@code kinds}. */
    private static Fields.Choice choice(YNode n, String path, String... kinds) {
        List<String> ok = List.of(kinds);
        if (n instanceof YMap m && m.entries().size() == 1) {
            Map.Entry<String, Entry> e = m.entries().entrySet().iterator().next();
            if (!ok.contains(e.getKey()))
                throw new SpecException(e.getValue().keyPos(), path + "." + e.getKey(), Fields.unknown("kind", e.getKey(), ok));
            return new Fields.Choice(e.getKey(), e.getValue().value(), path + "." + e.getKey(), n.pos());
        }
        throw Fields.err(n, path, "expected one of " + String.join(", ", kinds) + " (written `" + kinds[0]
                + ": ...`), got " + YNode.describe(n));
    }

    /** One swept key: its values (grid) or its distribution (random), and where it was written. */
    private record Axis(String key, List<YNode> values, Distribution dist, SourcePos pos) {}

    private record Distribution(String kind, double low, double high, List<YNode> choices) {}

    /**
     * @param sets  {@code --set} overrides applied to every trial (before the trial's own)
     * @param grid  {@code --grid key=a,b,c} flags: each adds (or replaces) a grid key
     */
    public static SweepSpec load(Path file, List<String> sets, List<String> grid) {
        YNode root = ExperimentLoader.readTree(file);
        YNode sweepNode = root instanceof YMap m ? m.get(KEY) : null;
        if (sweepNode instanceof YScalar s && s.isNull()) sweepNode = null;
        Fields f = Fields.of(sweepNode, KEY, root.pos(), Language.SWEEP);
        SweepSpec.Metric metric = metric(f);
        List<Axis> axes = new ArrayList<>();
        int trials;
        long seed = 0;
        boolean random = f.has("random");
        if (random) {
            if (f.has("grid"))
                throw Fields.err(f.node("random"), f.at("random"), "give grid or random, not both");
            if (!grid.isEmpty())
                throw new SpecException(SourcePos.flag("--grid " + grid.get(0)), null,
                        "the experiment's sweep is random: --grid adds to a grid sweep only");
            Fields r = Fields.of(f.node("random"), f.at("random"), f.map.pos(), Language.SWEEP_RANDOM);
            trials = r.getInt("trials");
            seed = r.getInt("seed");
            YNode params = r.required("params");
            if (!(params instanceof YMap pm) || pm.entries().isEmpty())
                throw Fields.err(params, r.at("params"), "expected a map of key: distribution, got "
                        + YNode.describe(params));
            pm.entries().forEach((k, e) -> axes.add(new Axis(k, null, distribution(e.value(), r.at("params") + "."
                    + k), e.keyPos())));
        } else {
            if (f.has("grid")) {
                YNode g = f.node("grid");
                if (!(g instanceof YMap gm))
                    throw Fields.err(g, f.at("grid"), "expected a map of key: [values], got " + YNode.describe(g));
                gm.entries().forEach((k, e) -> axes.add(new Axis(k, values(e.value(), f.at("grid") + "." + k), null,
                        e.keyPos())));
            }
            for (String flag : grid) {
                Axis a = gridFlag(flag);
                axes.removeIf(x -> x.key().equals(a.key()));
                axes.add(a);
            }
            if (axes.isEmpty()) {
                throw new SpecException(sweepNode != null ? sweepNode.pos() : SourcePos.of(file, 0, 0), KEY,
                        "nothing to sweep: give sweep.grid or sweep.random in the file, or --grid key=a,b,c");
            }
            long n = 1;
            for (Axis a : axes) {
                n *= a.values().size();
                if (n > MAX_TRIALS)
                    throw new SpecException(a.pos(), "sweep.grid", "more than " + MAX_TRIALS + " trials");
            }
            trials = (int) n;
        }
        for (Axis a : axes) {
            checkKey(a);
        }
        List<String> keys = axes.stream().map(Axis::key).toList();
        List<String> labels = labels(keys);
        Random rng = new Random(seed);
        List<SweepSpec.Trial> out = new ArrayList<>();
        int width = String.valueOf(trials).length() < 2 ? 2 : String.valueOf(trials).length();
        String name = null;
        for (int t = 0; t < trials; t++) {
            Map<String, Object> values = new LinkedHashMap<>();
            List<String> trialSets = new ArrayList<>();
            StringBuilder label = new StringBuilder(String.format(Locale.ROOT, "%0" + width + "d", t + 1));
            int rest = t;
            int[] pick = new int[axes.size()];
            if (!random) {
                for (int i = axes.size() - 1; i >= 0; i--) {
                    int size = axes.get(i).values().size();
                    pick[i] = rest % size;
                    rest /= size;
                }
            }
            for (int i = 0; i < axes.size(); i++) {
                Axis a = axes.get(i);
                YNode v;
                String shown;
                if (random) {
                    Distribution d = a.dist();
                    if (d.choices() != null) {
                        int k = rng.nextInt(d.choices().size());
                        v = d.choices().get(k);
                        shown = scalarText(v, k);
                    } else {
                        double x = switch (d.kind()) {
                            case "log_uniform" -> Math.exp(Math.log(d.low())
                                    + rng.nextDouble() * (Math.log(d.high()) - Math.log(d.low())));
                            case "int_uniform" -> d.low() + rng.nextInt((int) (d.high() - d.low()) + 1);
                            default -> d.low() + rng.nextDouble() * (d.high() - d.low());
                        };
                        String text = d.kind().equals("int_uniform") ? String.valueOf((long) x) : number(x);
                        v = new YScalar(YamlReader.typed(text), text, false, a.pos());
                        shown = text;
                    }
                } else {
                    v = a.values().get(pick[i]);
                    shown = scalarText(v, pick[i]);
                }
                values.put(a.key(), YNode.plain(v));
                trialSets.add(a.key() + "=" + flow(v));
                label.append('_').append(labels.get(i)).append('=').append(shown);
            }
            String trialName = label.toString().replaceAll("[^A-Za-z0-9._=+-]", "-");
            List<String> all = new ArrayList<>(sets);
            all.addAll(trialSets);
            Experiment exp = validate(file, all, t + 1, trialName, axes, sweepNode);
            name = exp.name();
            out.add(new SweepSpec.Trial(t + 1, trialName, values, List.copyOf(trialSets), exp));
        }
        return new SweepSpec(name, file, keys, metric, List.copyOf(out));
    }

    private static SweepSpec.Metric metric(Fields f) {
        YNode n = f.node("metric");
        if (n == null) {
            return new SweepSpec.Metric("test_accuracy", true);
        }
        if (n instanceof YMap m) {
            Fields.Choice c = choice(m, f.at("metric"), "max", "min");
            String name = Fields.toEnum(c.args(), c.path(), SweepSpec.METRICS);
            return new SweepSpec.Metric(name, c.kind().equals("max"));
        }
        String name = Fields.toEnum(n, f.at("metric"), SweepSpec.METRICS);
        return new SweepSpec.Metric(name, !name.endsWith("_loss"));
    }

    private static List<YNode> values(YNode n, String path) {
        if (!(n instanceof YList l))
            throw Fields.err(n, path, "expected a list of values to try, got " + YNode.describe(n)
                    + " (a single list value is written [[a, b]])");
        if (l.items().isEmpty()) throw Fields.err(n, path, "needs at least one value");
        return l.items();
    }

    private static Distribution distribution(YNode n, String path) {
        if (n instanceof YList l) {
            return new Distribution("choice", 0, 0, values(l, path));
        }
        Fields.Choice c = choice(n, path, "log_uniform", "uniform", "int_uniform", "choice");
        if (c.kind().equals("choice")) {
            return new Distribution("choice", 0, 0, values(c.args(), c.path()));
        }
        Vocabulary.Range range = c.kind().equals("log_uniform") ? Vocabulary.Range.POSITIVE : Vocabulary.Range.ANY;
        List<Double> lh = Fields.toDoubles(c.args(), c.path(), range);
        if (lh.size() != 2 || lh.get(1) <= lh.get(0))
            throw Fields.err(c.args(), c.path(), "expected [low, high] with low < high");
        if (c.kind().equals("int_uniform") && (lh.get(0) != Math.rint(lh.get(0)) || lh.get(1) != Math.rint(lh.get(1))))
            throw Fields.err(c.args(), c.path(), "expected whole numbers [low, high]");
        return new Distribution(c.kind(), lh.get(0), lh.get(1), null);
    }

    /** {@code --grid key=a,b,c}: values split at top-level commas, each read as YAML like a --set value. */
    private static Axis gridFlag(String text) {
        SourcePos flag = SourcePos.flag("--grid " + text);
        int eq = text.indexOf('=');
        if (eq <= 0) throw new SpecException(flag, null, "expected key.path=a,b,c");
        String key = text.substring(0, eq).strip();
        List<YNode> values = new ArrayList<>();
        for (String part : splitTopLevel(text.substring(eq + 1))) {
            if (part.isBlank()) throw new SpecException(flag, key, "an empty value (write key=a,b,c)");
            values.add(YamlReader.readValue(part.strip(), flag));
        }
        return new Axis(key, values, null, flag);
    }

    static List<String> splitTopLevel(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    private static void checkKey(Axis a) {
        if (a.key().equals("name") || a.key().equals("extends") || a.key().startsWith(KEY))
            throw new SpecException(a.pos(), a.key(), "cannot be swept");
    }

    /** Each key's label in trial names: its last segment, or the whole path when two keys share it. */
    private static List<String> labels(List<String> keys) {
        List<String> last = keys.stream().map(k -> k.substring(k.lastIndexOf('.') + 1).replaceAll("\\[\\d+]", ""))
                .toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String l = last.get(i);
            out.add(last.stream().filter(l::equals).count() > 1 ? keys.get(i) : l);
        }
        return out;
    }

    /** A value in a trial's name: a scalar as written, a list or map as v1, v2, ... (its place in the list). */
    private static String scalarText(YNode v, int index) {
        if (v instanceof YScalar s && s.text().length() <= 24) return s.text();
        return "v" + (index + 1);
    }

    /** A drawn number in 3 significant digits (0.00123, 1.23e-05), as YAML reads it back. */
    static String number(double x) {
        java.math.BigDecimal d = new java.math.BigDecimal(x).round(new java.math.MathContext(3));
        String s = Math.abs(x) >= 1e-4 && Math.abs(x) < 1e6 ? d.stripTrailingZeros().toPlainString()
                : String.format(Locale.ROOT, "%.2e", x);
        return s.contains(".") || s.contains("e") ? s : s + ".0";
    }

    /** A value as YAML flow text, for {@code --set}. */
    static String flow(YNode n) {
        if (n instanceof YScalar s) {
            if (s.isNull()) return "null";
            if (s.quoted() || s.value() instanceof String str && !str.equals(s.text()))
                return "\"" + s.text().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            return s.text();
        }
        if (n instanceof YList l) {
            List<String> items = new ArrayList<>();
            l.items().forEach(i -> items.add(flow(i)));
            return "[" + String.join(", ", items) + "]";
        }
        List<String> items = new ArrayList<>();
        for (Map.Entry<String, Entry> e : ((YMap) n).entries().entrySet()) {
            items.add("\"" + e.getKey() + "\": " + flow(e.getValue().value()));
        }
        return "{" + String.join(", ", items) + "}";
    }

    /** Loads one trial; a problem names the trial and points at the swept value when it is the culprit. */
    private static Experiment validate(Path file, List<String> sets, int index, String trialName, List<Axis> axes,
                                       YNode sweepNode) {
        try {
            return ExperimentLoader.load(file, sets);
        } catch (SpecException e) {
            SourcePos at = e.pos();
            for (Axis a : axes) {
                if (e.path() != null && (e.path().equals(a.key()) || e.path().startsWith(a.key() + ".")
                        || e.path().startsWith(a.key() + "["))) {
                    at = a.pos();
                }
            }
            if (at != null && at.line() <= 0 && at.file().startsWith("--set") && sweepNode != null) {
                at = sweepNode.pos();
            }
            String where = e.path() == null || e.path().isEmpty() ? "" : e.path() + ": ";
            throw new SpecException(at, null, "sweep trial " + index + " (" + trialName + "): " + where
                    + e.problem());
        }
    }
}
