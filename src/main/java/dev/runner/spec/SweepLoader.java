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
        String method = f.has("tpe") ? "tpe" : f.has("random") ? "random" : "grid";
        if (f.has("tpe") && f.has("random"))
            throw Fields.err(f.node("tpe"), f.at("tpe"), "give one of grid, random or tpe");
        if (!method.equals("grid")) {
            if (f.has("grid"))
                throw Fields.err(f.node(method), f.at(method), "give grid or " + method + ", not both");
            if (!grid.isEmpty())
                throw new SpecException(SourcePos.flag("--grid " + grid.get(0)), null,
                        "the experiment's sweep is " + method + ": --grid adds to a grid sweep only");
            Fields r = Fields.of(f.node(method), f.at(method), f.map.pos(),
                    method.equals("tpe") ? Language.SWEEP_TPE : Language.SWEEP_RANDOM);
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
                        "nothing to sweep: give sweep.grid, sweep.random or sweep.tpe in the file, or --grid"
                                + " key=a,b,c");
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
        int seeds = f.getInt("seeds");
        SweepSpec.Pruning pruning = pruning(f, file, sets);
        if (seeds > 1 && (pruning != null || method.equals("tpe")))
            throw Fields.err(f.node("seeds"), f.at("seeds"), "seeds: " + seeds + " repeats grid and random trials;"
                    + " with " + (pruning != null ? "pruning" : "tpe") + " each seed would be a trial of its own");
        if (seeds > 1 && (long) trials * seeds > MAX_TRIALS)
            throw Fields.err(f.node("seeds"), f.at("seeds"), "more than " + MAX_TRIALS + " trials");
        for (Axis a : axes) {
            if (seeds > 1 && a.key().equals("seed"))
                throw new SpecException(a.pos(), a.key(), "cannot be swept with sweep.seeds (which sets it)");
        }
        Integer maxTrials = f.has("max_trials") ? f.getInt("max_trials") : null;
        Double maxMinutes = f.getOptDouble("max_minutes");
        Integer maxConcurrent = f.has("max_concurrent") ? f.getInt("max_concurrent") : null;
        List<String> baseSets = new ArrayList<>(sets);
        if (pruning != null) baseSets.add("epochs=" + pruning.maxEpochs());
        List<String> keys = axes.stream().map(Axis::key).toList();
        List<String> labels = labels(keys);
        List<SweepSpec.Param> params = new ArrayList<>();
        for (Axis a : axes) {
            if (a.dist() != null) params.add(param(a));
        }
        SweepSpec.Search search = new SweepSpec.Search(method, seed, trials, List.copyOf(params), pruning, seeds,
                maxTrials, maxMinutes, maxConcurrent, List.copyOf(baseSets));
        Experiment base = ExperimentLoader.load(file, baseSets);
        if (method.equals("tpe")) {
            // every trial is suggested as the sweep runs: check both ends of every range (and every choice) now
            SweepSpec spec = new SweepSpec(base.name(), file, keys, metric, List.of(), search);
            int most = params.stream().mapToInt(p -> p.choices() == null ? 1 : p.choices().size()).max().orElse(1);
            for (int c = 0; c < Math.max(2, most); c++) {
                double[] x = new double[params.size()];
                for (int i = 0; i < x.length; i++) {
                    SweepSpec.Param p = params.get(i);
                    x[i] = p.choices() != null ? Math.min(c, p.choices().size() - 1) : c % 2 == 0 ? p.low() : p.high();
                }
                trial(spec, c + 1, x, axes, sweepNode);
            }
            return spec;
        }
        Random rng = new Random(seed);
        List<SweepSpec.Trial> out = new ArrayList<>();
        int total = trials * seeds;
        int width = String.valueOf(total).length() < 2 ? 2 : String.valueOf(total).length();
        String name = base.name();
        for (int t = 0; t < trials; t++) {
            Map<String, Object> values = new LinkedHashMap<>();
            List<String> trialSets = new ArrayList<>();
            StringBuilder label = new StringBuilder();
            int rest = t;
            int[] pick = new int[axes.size()];
            if (method.equals("grid")) {
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
                if (a.dist() != null) {
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
                        v = drawn(d.kind(), x, a.pos());
                        shown = ((YScalar) v).text();
                    }
                } else {
                    v = a.values().get(pick[i]);
                    shown = scalarText(v, pick[i]);
                }
                values.put(a.key(), YNode.plain(v));
                trialSets.add(a.key() + "=" + flow(v));
                label.append('_').append(labels.get(i)).append('=').append(shown);
            }
            for (int k = 0; k < seeds; k++) {
                int index = t * seeds + k + 1;
                Map<String, Object> vs = new LinkedHashMap<>(values);
                List<String> ts = new ArrayList<>(trialSets);
                String lb = label.toString();
                if (seeds > 1) {
                    long s = base.seed() + k;
                    vs.put("seed", s);
                    ts.add("seed=" + s);
                    lb += "_seed=" + s;
                }
                String trialName = (String.format(Locale.ROOT, "%0" + width + "d", index) + lb)
                        .replaceAll("[^A-Za-z0-9._=+-]", "-");
                List<String> all = new ArrayList<>(baseSets);
                all.addAll(ts);
                Experiment exp = validate(file, all, index, trialName, axes, sweepNode);
                name = exp.name();
                out.add(new SweepSpec.Trial(index, trialName, vs, List.copyOf(ts), exp));
            }
        }
        return new SweepSpec(name, file, keys, metric, List.copyOf(out), search);
    }

    /**
     * Trial {@code index} of a TPE sweep with parameter values {@code x} (a choice as its index; numbers kept to 3
     * significant digits, like random's), validated.
     */
    public static SweepSpec.Trial trial(SweepSpec spec, int index, double[] x) {
        return trial(spec, index, x, List.of(), null);
    }

    private static SweepSpec.Trial trial(SweepSpec spec, int index, double[] x, List<Axis> axes, YNode sweepNode) {
        List<SweepSpec.Param> params = spec.search().params();
        List<String> labels = labels(params.stream().map(SweepSpec.Param::key).toList());
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> trialSets = new ArrayList<>();
        int width = Math.max(2, String.valueOf(spec.search().count()).length());
        StringBuilder label = new StringBuilder(String.format(Locale.ROOT, "%0" + width + "d", index));
        for (int i = 0; i < params.size(); i++) {
            SweepSpec.Param p = params.get(i);
            String set;
            String shown;
            Object plain;
            if (p.choices() != null) {
                int k = (int) x[i];
                plain = p.choices().get(k);
                set = p.choiceSets().get(k);
                shown = p.choiceLabels().get(k);
            } else {
                YScalar v = drawn(p.kind(), x[i], SourcePos.flag("sweep.tpe"));
                plain = YNode.plain(v);
                set = v.text();
                shown = v.text();
            }
            values.put(p.key(), plain);
            trialSets.add(p.key() + "=" + set);
            label.append('_').append(labels.get(i)).append('=').append(shown);
        }
        String trialName = label.toString().replaceAll("[^A-Za-z0-9._=+-]", "-");
        List<String> all = new ArrayList<>(spec.search().baseSets());
        all.addAll(trialSets);
        Experiment exp = validate(spec.file(), all, index, trialName, axes, sweepNode);
        return new SweepSpec.Trial(index, trialName, values, List.copyOf(trialSets), exp);
    }

    /** A drawn number as YAML reads it: an integer, or 3 significant digits. */
    private static YScalar drawn(String kind, double x, SourcePos pos) {
        String text = kind.equals("int_uniform") ? String.valueOf((long) Math.rint(x)) : number(x);
        return new YScalar(YamlReader.typed(text), text, false, pos);
    }

    private static SweepSpec.Param param(Axis a) {
        Distribution d = a.dist();
        if (d.choices() == null) {
            return new SweepSpec.Param(a.key(), d.kind(), d.low(), d.high(), null, null, null);
        }
        List<Object> plain = new ArrayList<>();
        List<String> flows = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (int k = 0; k < d.choices().size(); k++) {
            YNode v = d.choices().get(k);
            plain.add(YNode.plain(v));
            flows.add(flow(v));
            shown.add(scalarText(v, k));
        }
        return new SweepSpec.Param(a.key(), "choice", 0, d.choices().size() - 1, java.util.Collections
                .unmodifiableList(plain), List.copyOf(flows), List.copyOf(shown));
    }

    /** {@code pruning: {asha: {...}}} or {@code {hyperband: {...}}}, or null. */
    private static SweepSpec.Pruning pruning(Fields f, Path file, List<String> sets) {
        if (!f.has("pruning")) return null;
        Fields p = Fields.of(f.node("pruning"), f.at("pruning"), f.map.pos(), Language.SWEEP_PRUNING);
        if (p.has("asha") == p.has("hyperband"))
            throw Fields.err(f.node("pruning"), f.at("pruning"), "give one of asha or hyperband");
        String kind = p.has("asha") ? "asha" : "hyperband";
        Fields h = Fields.of(p.node(kind), p.at(kind), p.map.pos(), Language.SWEEP_HALVING);
        int min = h.getInt("min_epochs");
        int max = h.has("max_epochs") ? h.getInt("max_epochs") : ExperimentLoader.load(file, sets).epochCount();
        int eta = h.getInt("reduction_factor");
        if (max < min)
            throw Fields.err(h.has("max_epochs") ? h.node("max_epochs") : h.node("min_epochs"),
                    h.at(h.has("max_epochs") ? "max_epochs" : "min_epochs"), "min_epochs " + min
                            + " is more than max_epochs " + max + (h.has("max_epochs") ? "" : " (the experiment's epochs)"));
        return new SweepSpec.Pruning(kind, min, max, eta);
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
