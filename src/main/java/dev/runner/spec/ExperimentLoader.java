package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.lang.YNode;
import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.runner.spec.lang.Fields.Choice;
import dev.runner.spec.lang.YNode.Entry;
import dev.runner.spec.lang.YNode.YList;
import dev.runner.spec.lang.YNode.YMap;
import dev.runner.spec.lang.YNode.YScalar;

/**
 * Loads an experiment file: safe YAML, {@code extends}, {@code --set} overrides, every key read through the
 * language's description ({@link Language}: types, ranges, defaults), model expansion and shape checks. Every problem is a {@link SpecException} naming file:line:column and the key
 * path (or the {@code --set} flag). The language is documented in docs/experiment-files.md.
 */
public final class ExperimentLoader {
    private static final Pattern SEGMENT = Pattern.compile("([^.\\[\\]]+)((?:\\[\\d+])*)");

    private ExperimentLoader() {}

    public static Experiment load(Path file) {
        return load(file, List.of());
    }

    /**
     * @param overrides {@code key.path=value} strings from {@code --set}; the value is YAML (a scalar, or a flow
     *                  list or map such as {@code [1, 2]}); a path may index lists: {@code model.layers[0].conv.filters=32}
     */
    public static Experiment load(Path file, List<String> overrides) {
        YNode root = withoutSweep(readTree(file));
        for (String o : overrides) root = override(root, o);
        return build(root, file);
    }

    /** The file with its {@code extends} chain merged, before the schema (for {@link SweepLoader}). */
    static YNode readTree(Path file) {
        return readWithExtends(file, new ArrayList<>(), null);
    }

    /** The experiment without its {@code sweep} section: a sweep's trials (and {@code runner run}) run the rest. */
    private static YNode withoutSweep(YNode root) {
        if (!(root instanceof YMap m) || !m.entries().containsKey(SweepLoader.KEY)) return root;
        Map<String, Entry> entries = new LinkedHashMap<>(m.entries());
        entries.remove(SweepLoader.KEY);
        return new YMap(entries, m.pos());
    }

    // ---------------------------------------------------------------- extends and --set

    private static YNode readWithExtends(Path file, List<Path> chain, YNode extendsNode) {
        Path key = file.toAbsolutePath().normalize();
        if (chain.contains(key)) {
            List<String> names = new ArrayList<>();
            chain.subList(chain.indexOf(key), chain.size()).forEach(p -> names.add(p.getFileName().toString()));
            names.add(key.getFileName().toString());
            throw Fields.err(extendsNode, "extends", "cycle: " + String.join(" -> ", names));
        }
        if (extendsNode != null) {
            // only experiment files: a .yaml/.yml file, never anything else (whose content an error could quote)
            String fn = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (!fn.endsWith(".yaml") && !fn.endsWith(".yml"))
                throw Fields.err(extendsNode, "extends", "can only name an experiment file (.yaml or .yml), not "
                        + file);
            if (!Files.isRegularFile(file))
                throw Fields.err(extendsNode, "extends", "file not found: " + file);
        }
        YNode root = YamlReader.readFile(file);
        if (!(root instanceof YMap m)) {
            if (extendsNode != null)
                throw Fields.err(extendsNode, "extends", file + " is not an experiment file (its top level is not a"
                        + " map of keys)");
            throw Fields.err(root, "", "expected a map of keys (name, model, ...) at the top, got " + YNode.describe(root));
        }
        YNode ext = m.get("extends");
        if (ext == null || ext instanceof YScalar s && s.isNull()) return root;
        String rel = Fields.toStr(ext, "extends");
        chain.add(key);
        YNode parent = readWithExtends(file.resolveSibling(rel), chain, ext);
        chain.remove(chain.size() - 1);
        Map<String, Entry> own = new LinkedHashMap<>(m.entries());
        own.remove("extends");
        Map<String, Entry> inherited = new LinkedHashMap<>(((YMap) parent).entries());
        inherited.remove("name"); // a file's name is its own (its stem unless it says otherwise)
        return YNode.merge(new YMap(inherited, parent.pos()), new YMap(own, m.pos()));
    }

    private static YNode override(YNode root, String text) {
        SourcePos flag = SourcePos.flag("--set " + text);
        int eq = text.indexOf('=');
        if (eq <= 0) throw new SpecException(flag, null, "expected key.path=value");
        String path = text.substring(0, eq).strip();
        if (path.equals("extends") || path.startsWith("extends.") || path.equals(SweepLoader.KEY)
                || path.startsWith(SweepLoader.KEY + "."))
            throw new SpecException(flag, path, "cannot be set from the command line");
        List<Object> steps = new ArrayList<>();
        for (String seg : path.split("\\.", -1)) {
            Matcher m = SEGMENT.matcher(seg);
            if (!m.matches()) throw new SpecException(flag, path, "not a key path (write a.b.c or a.list[0].b)");
            steps.add(m.group(1));
            for (String i : m.group(2).split("]")) if (!i.isEmpty()) steps.add(Integer.parseInt(i.substring(1)));
        }
        YNode value = YamlReader.readValue(text.substring(eq + 1), flag);
        return set(root, steps, 0, value, flag, "");
    }

    private static YNode set(YNode node, List<Object> steps, int i, YNode value, SourcePos flag, String path) {
        if (i == steps.size()) return value;
        Object step = steps.get(i);
        if (step instanceof Integer idx) {
            String p = path + "[" + idx + "]";
            if (!(node instanceof YList l)) throw new SpecException(flag, path, "is not a list");
            if (idx >= l.items().size())
                throw new SpecException(flag, p, "index out of range (the list has " + l.items().size() + " items)");
            List<YNode> items = new ArrayList<>(l.items());
            items.set(idx, set(items.get(idx), steps, i + 1, value, flag, p));
            return new YList(items, l.pos());
        }
        String key = (String) step, p = Fields.join(path, key);
        if (node == null || node instanceof YScalar s && s.isNull()) node = new YMap(new LinkedHashMap<>(), flag);
        if (!(node instanceof YMap m))
            throw new SpecException(flag, path, "is " + YNode.describe(node) + ", not a map, so `" + key + "` cannot be set");
        Map<String, Entry> entries = new LinkedHashMap<>(m.entries());
        Entry old = entries.get(key);
        entries.put(key, new Entry(flag, set(old == null ? null : old.value(), steps, i + 1, value, flag, p)));
        return new YMap(entries, m.pos());
    }

    // ---------------------------------------------------------------- the sections

    private static Experiment build(YNode rootNode, Path file) {
        Fields root = Fields.of(rootNode, "", rootNode.pos(), Language.EXPERIMENT);
        SourcePos top = rootNode.pos();
        String stem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = root.getString("name", stem);
        String description = root.getString("description");
        long seed = root.getInt("seed");
        double epochs = root.getDouble("epochs");
        if (epochs == Math.rint(epochs)) root.put("epochs", (int) epochs);   // written back as 2, not 2.0
        String engine = root.getEnum("engine");
        String precision = root.getEnum("precision");

        Fields mf = Fields.of(root.required("model"), "model", top, Language.MODEL);
        ModelSpec model = ModelBuilder.build(mf);
        Map<String, int[]> shapes = Shapes.infer(model);
        Fields df = Fields.of(root.node("data"), "data", top, Language.DATA);
        DataSpec data = data(df, model, mf);
        root.put("data", df.out);
        root.put("model", mf.out);

        OptimizerSpec optimizer = optimizer(root);
        ScheduleSpec schedule = schedule(root, "schedule", top);

        LrRangeTestSpec lrt = null;
        if (root.has("lr_range_test")) {
            Fields f = Fields.of(root.node("lr_range_test"), "lr_range_test", top, Language.LR_RANGE_TEST);
            lrt = new LrRangeTestSpec(f.getDouble("start_lr"), f.getDouble("end_lr"), f.getInt("iterations"),
                    f.getEnum("mode"), f.getDouble("smooth"), f.getDouble("diverge"));
            if (lrt.endLr() <= lrt.startLr())
                throw Fields.err(f.node("end_lr") != null ? f.node("end_lr") : f.map, f.at("end_lr"),
                        "must be greater than start_lr (" + lrt.startLr() + ")");
            if (optimizer.lrFromRangeTest() != null)
                throw Fields.err(root.node("lr_range_test"), "lr_range_test",
                        "a range test cannot take its lr from another range test (optimizer lr: from_range_test)");
            root.put("lr_range_test", f.out);
        } else {
            root.put("lr_range_test", null);
        }

        Fields ef = Fields.of(root.node("evaluate"), "evaluate", top, Language.EVALUATE);
        EvaluateSpec evaluate = new EvaluateSpec(ef.getBool("train"), ef.getBool("test"), topK(ef, model, shapes));
        root.put("evaluate", ef.out);

        VisualizeSpec visualize = visualize(root, top, model, shapes);

        Fields cf = Fields.of(root.node("checkpoint"), "checkpoint", top, Language.CHECKPOINT);
        CheckpointSpec checkpoint = new CheckpointSpec(cf.getInt("every"),
                cf.has("best") ? cf.getEnum("best") : cf.put("best", null));
        root.put("checkpoint", cf.out);
        checkMetric(cf.node("best"), cf.at("best"), checkpoint.best(), data, evaluate);

        EarlyStoppingSpec earlyStopping = null;
        if (root.has("early_stopping")) {
            Fields f = Fields.of(root.node("early_stopping"), "early_stopping", top, Language.EARLY_STOPPING);
            f.required("metric");
            earlyStopping = new EarlyStoppingSpec(f.getEnum("metric"), f.getInt("patience"), f.getDouble("min_delta"));
            checkMetric(f.node("metric"), f.at("metric"), earlyStopping.metric(), data, evaluate);
            root.put("early_stopping", f.out);
        } else {
            root.put("early_stopping", null);
        }

        InitFromSpec initFrom = null;
        if (root.has("init_from")) {
            Fields f = Fields.of(root.node("init_from"), "init_from", top, Language.INIT_FROM);
            YNode rn = f.required("run");
            String base = rn.pos().line() > 0 ? rn.pos().file() : null; // relative to the file that says it
            Path run = base == null ? Path.of(Fields.toStr(rn, f.at("run")))
                    : Path.of(base).toAbsolutePath().resolveSibling(Fields.toStr(rn, f.at("run")));
            run = run.toAbsolutePath().normalize();
            f.put("run", run.toString());
            initFrom = new InitFromSpec(run, f.getEnum("model"), f.getEnum("layers"));
            root.put("init_from", f.out);
        } else {
            root.put("init_from", null);
        }

        Map<String, Object> resolved = new LinkedHashMap<>();
        for (String k : resolvedKeys()) resolved.put(k, root.out.get(k));
        return new Experiment(name, description, seed, data, model, optimizer, schedule, epochs, lrt, evaluate,
                visualize, checkpoint, earlyStopping, initFrom, file, resolved, engine, precision);
    }

    /**
     * A metric chosen for the best epoch or early stopping must be measured: {@code test_*} needs
     * {@code evaluate.test}, {@code train_accuracy} {@code evaluate.train}; {@code val_*} needs a validation set,
     * which an image folder may have as its {@code val/} folder (checked when the data is loaded).
     */
    private static void checkMetric(YNode node, String at, String metric, DataSpec data, EvaluateSpec evaluate) {
        if (metric == null) return;
        String why = null;
        if (metric.startsWith("test_") && !evaluate.test()) why = "needs evaluate.test: true";
        if (metric.equals("train_accuracy") && !evaluate.train()) why = "needs evaluate.train: true";
        if (metric.startsWith("val_") && data.valSplit() == 0 && !(data.dataset() instanceof DataSpec.ImageFolder))
            why = "needs a validation set: data.val_split (e.g. 0.1)";
        if (why != null) throw Fields.err(node, at, metric + " " + why);
    }

    /** {@code evaluate.top_k}: a k or a list of them, increasing, each at most the number of classes. */
    private static List<Integer> topK(Fields ef, ModelSpec model, Map<String, int[]> shapes) {
        YNode n = ef.node("top_k");
        List<Integer> ks = new ArrayList<>();
        Vocabulary.Int t = new Vocabulary.Int(2, 1 << 16);
        if (n instanceof YList l) {
            for (int i = 0; i < l.items().size(); i++) ks.add(Fields.toInt(l.items().get(i), ef.at("top_k") + "[" + i + "]", t));
        } else if (n != null) {
            ks.add(Fields.toInt(n, ef.at("top_k"), t));
        }
        for (int i = 1; i < ks.size(); i++)
            if (ks.get(i) <= ks.get(i - 1))
                throw Fields.err(n, ef.at("top_k"), "list each k once, increasing, got " + ks);
        int[] out = shapes.get(model.nodes().get(model.nodes().size() - 1).name());
        if (!ks.isEmpty() && out != null && out.length == 1 && ks.get(ks.size() - 1) > out[0])
            throw Fields.err(n, ef.at("top_k"), "top-" + ks.get(ks.size() - 1) + " needs at least "
                    + ks.get(ks.size() - 1) + " classes, but the model outputs " + out[0]);
        ef.put("top_k", ks);
        return ks;
    }

    /** The top-level keys of a resolved experiment, in order: every key but {@code extends}, which is merged away. */
    static List<String> resolvedKeys() {
        return Language.EXPERIMENT.names().stream().filter(k -> !k.equals("extends") && !k.equals(SweepLoader.KEY))
                .toList();
    }

    private static Map<String, Object> one(String kind, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(kind, value);
        return m;
    }

    private static DataSpec data(Fields f, ModelSpec model, Fields mf) {
        YNode dsNode = f.has("dataset") ? f.node("dataset")
                : new YScalar((String) f.key("dataset").dflt(), (String) f.key("dataset").dflt(), false, f.map.pos());
        Choice c = Fields.choice(dsNode, f.at("dataset"), Language.DATASET);
        Fields a = Fields.args(c, Language.DATASET);
        DataSpec.DatasetSpec dataset = switch (c.kind()) {
            case "cifar10" -> new DataSpec.Cifar10(a.getString("url"), a.getString("md5"));
            case "cifar100" -> {
                String labels = a.getEnum("labels"); // read in the order of the language, as it is resolved
                yield new DataSpec.Cifar100(a.getString("url"), a.getString("md5"), labels);
            }
            case "mnist" -> new DataSpec.Mnist(a.getString("url"));
            case "fashion_mnist" -> new DataSpec.FashionMnist(a.getString("url"));
            default -> imageFolder(a);
        };
        int[] image = dataset.imageShape(); // [c, h, w] of the stored images; h = w = 0 when only the files say
        f.put("dataset", one(c.kind(), a.out));
        int batch = f.getInt("batch_size");
        int testBatch = f.getInt("test_batch_size");
        boolean shuffle = f.getBool("shuffle");
        boolean dropLast = f.getBool("drop_last");

        Augmentations.Result aug = Augmentations.read(f.node("augment"), f.at("augment"), image[0],
                image[1] > 0 ? new int[] {image[1], image[2]} : null);
        List<TransformSpec> augment = aug.transforms();
        f.put("augment", aug.resolved());
        int[] in = model.input();
        String mismatch = DataShapes.mismatch(image, aug.size(), augment, in);
        if (mismatch != null) throw Fields.err(mf.node("input"), "model.input", mismatch);

        TransformSpec.Normalize normalize = null;
        if (f.has("normalize")) {
            Fields n = Fields.of(f.node("normalize"), f.at("normalize"), f.map.pos(), Language.NORMALIZE);
            List<Double> mean = Fields.toDoubles(n.required("mean"), n.at("mean"), itemRange(n.key("mean")));
            List<Double> std = Fields.toDoubles(n.required("std"), n.at("std"), itemRange(n.key("std")));
            if (mean.size() != in[0]) throw Fields.err(n.node("mean"), n.at("mean"), "needs " + in[0]
                    + " values (one per input channel), got " + mean.size());
            if (std.size() != in[0]) throw Fields.err(n.node("std"), n.at("std"), "needs " + in[0]
                    + " values (one per input channel), got " + std.size());
            n.put("mean", mean);
            n.put("std", std);
            normalize = new TransformSpec.Normalize(mean.stream().mapToDouble(Double::doubleValue).toArray(),
                    std.stream().mapToDouble(Double::doubleValue).toArray());
            f.put("normalize", n.out);
        } else {
            f.put("normalize", null);
        }
        double valSplit = f.getDouble("val_split");
        long valSeed = f.getInt("val_seed");
        return new DataSpec(dataset, batch, testBatch, shuffle, List.copyOf(augment), normalize, valSplit, valSeed,
                dropLast);
    }

    private static DataSpec.ImageFolder imageFolder(Fields a) {
        YNode pn = a.required("path");
        String base = pn.pos().line() > 0 ? pn.pos().file() : null; // relative to the file that says it
        Path dir = base == null ? Path.of(Fields.toStr(pn, a.at("path")))
                : Path.of(base).toAbsolutePath().resolveSibling(Fields.toStr(pn, a.at("path")));
        dir = dir.toAbsolutePath().normalize();
        a.put("path", dir.toString());
        Vocabulary.Pair pair = (Vocabulary.Pair) a.key("resize").type();
        int[] resize = a.has("resize") ? Fields.toPair(a.node("resize"), a.at("resize"), pair.min()) : null;
        a.put("resize", resize == null ? null : List.of(resize[0], resize[1]));
        int channels = a.getInt("channels");
        if (channels == 2)
            throw Fields.err(a.node("channels"), a.at("channels"), "must be 1 (grey) or 3 (RGB), got 2");
        return new DataSpec.ImageFolder(dir, resize, channels);
    }

    /** The range of a list-of-numbers key's items. */
    static Vocabulary.Range itemRange(Vocabulary.Key key) {
        Vocabulary.Type item = ((Vocabulary.ListOf) key.type()).item();
        while (item instanceof Vocabulary.ListOf l) item = l.item();
        return ((Vocabulary.Num) item).range();
    }

    private static OptimizerSpec optimizer(Fields root) {
        Choice c = Fields.choice(root.required("optimizer"), "optimizer", Language.OPTIMIZER);
        boolean sgd = c.kind().equals("sgd");
        Fields f = Fields.args(c, Language.OPTIMIZER);
        double lr;
        String from = null;
        YNode lrNode = f.node("lr");
        if (lrNode instanceof YMap) {
            Vocabulary.Section fromSection = (Vocabulary.Section) ((Vocabulary.AnyOf) f.key("lr").type()).options().get(1);
            Fields l = Fields.of(lrNode, f.at("lr"), lrNode.pos(), fromSection);
            from = l.getString("from_range_test");
            lr = Double.NaN;
            f.put("lr", l.out);
        } else {
            double dflt = ((Number) f.key("lr").dflt()).doubleValue();
            Vocabulary.Range r = ((Vocabulary.Num) ((Vocabulary.AnyOf) f.key("lr").type()).options().get(0)).range();
            lr = f.put("lr", lrNode == null ? dflt : Fields.toDouble(lrNode, f.at("lr"), r));
        }
        OptimizerSpec spec;
        if (sgd) {
            double momentum = f.getDouble("momentum");
            double dampening = f.getDouble("dampening");
            boolean nesterov = f.getBool("nesterov");
            if (nesterov && (momentum == 0 || dampening != 0))
                throw Fields.err(f.node("nesterov"), f.at("nesterov"), "nesterov needs momentum > 0 and dampening 0");
            spec = new OptimizerSpec("sgd", lr, from, momentum, dampening, nesterov, f.getDouble("weight_decay"), 0, 0, 0);
        } else {
            @SuppressWarnings("unchecked")
            List<Double> betas = (List<Double>) f.key("betas").dflt();
            if (f.has("betas")) {
                betas = Fields.toDoubles(f.node("betas"), f.at("betas"), itemRange(f.key("betas")));
                if (betas.size() != 2) throw Fields.err(f.node("betas"), f.at("betas"), "expected [beta1, beta2]");
            }
            f.put("betas", betas);
            double eps = f.getDouble("eps");
            double wd = f.getDouble("weight_decay");
            spec = new OptimizerSpec(c.kind(), lr, from, 0, 0, false, wd, betas.get(0), betas.get(1), eps);
        }
        root.put("optimizer", one(c.kind(), f.out));
        return spec;
    }

    /** Reads {@code parent.key} as a schedule (default: the key's) and records its resolved form. */
    private static ScheduleSpec schedule(Fields parent, String key, SourcePos top) {
        String dflt = (String) parent.key(key).dflt();
        YNode n = parent.has(key) ? parent.node(key) : new YScalar(dflt, dflt, false, top);
        Choice c = Fields.choice(n, parent.at(key), Language.SCHEDULE);
        Fields f = Fields.args(c, Language.SCHEDULE);
        ScheduleSpec s;
        switch (c.kind()) {
            case "constant" -> s = new ScheduleSpec.Constant();
            case "cosine" -> s = new ScheduleSpec.Cosine(f.getDouble("eta_min"), f.getOptDouble("epochs"));
            case "step" -> s = new ScheduleSpec.Step(f.getDouble("every"), f.getDouble("gamma"));
            case "multistep" -> {
                YNode at = f.required("at");
                List<Double> ms = Fields.toDoubles(at, f.at("at"), itemRange(f.key("at")));
                if (ms.isEmpty()) throw Fields.err(at, f.at("at"), "needs at least one epoch");
                for (int i = 1; i < ms.size(); i++)
                    if (ms.get(i) <= ms.get(i - 1)) throw Fields.err(at, f.at("at"), "epochs must increase");
                f.put("at", ms);
                s = new ScheduleSpec.MultiStep(ms, f.getDouble("gamma"));
            }
            case "exponential" -> s = new ScheduleSpec.Exponential(f.getDouble("gamma"));
            case "piecewise" -> {
                YNode pn = f.required("points");
                List<YNode> items = Fields.toList(pn, f.at("points"));
                if (items.isEmpty()) throw Fields.err(pn, f.at("points"), "needs at least one [epoch, lr] point");
                List<double[]> points = new ArrayList<>();
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    String ip = f.at("points") + "[" + i + "]";
                    List<Double> p = Fields.toDoubles(items.get(i), ip, itemRange(f.key("points")));
                    if (p.size() != 2) throw Fields.err(items.get(i), ip, "expected [epoch, lr]");
                    if (i > 0 && p.get(0) <= points.get(i - 1)[0])
                        throw Fields.err(items.get(i), ip, "epochs must increase");
                    points.add(new double[] {p.get(0), p.get(1)});
                    out.add(p);
                }
                f.put("points", out);
                s = new ScheduleSpec.Piecewise(points);
            }
            default -> {
                double ep = f.getDouble("epochs");
                double sf = f.getDouble("start_factor");
                s = new ScheduleSpec.LinearWarmup(ep, sf, schedule(f, "then", f.map.pos()));
            }
        }
        parent.put(key, one(c.kind(), f.out));
        return s;
    }

    private static VisualizeSpec visualize(Fields root, SourcePos top, ModelSpec model, Map<String, int[]> shapes) {
        Fields v = Fields.of(root.node("visualize"), "visualize", top, Language.VISUALIZE);
        Fields fm = Fields.of(v.node("feature_maps"), v.at("feature_maps"), v.map.pos(), Language.FEATURE_MAPS);
        List<String> layers = new ArrayList<>();
        if (fm.has("layers")) {
            List<YNode> items = Fields.toList(fm.node("layers"), fm.at("layers"));
            for (int i = 0; i < items.size(); i++) {
                String p = fm.at("layers") + "[" + i + "]";
                String l = Fields.toStr(items.get(i), p);
                int[] shape = shapes.get(l);
                if (shape == null) throw Fields.err(items.get(i), p, Fields.unknown("layer", l, shapes.keySet()));
                if (shape.length != 3)
                    throw Fields.err(items.get(i), p, "feature maps need a layer with a [channels, height, width] "
                            + "output; `" + l + "` gives " + Shapes.str(shape));
                layers.add(l);
            }
        }
        fm.put("layers", layers);
        List<YNode> idx = fm.has("indices") ? Fields.toList(fm.node("indices"), fm.at("indices")) : List.of();
        if (!idx.isEmpty() && fm.has("images"))
            throw Fields.err(fm.node("indices"), fm.at("indices"), "give either images or indices, not both");
        Vocabulary.ListOf indicesType = (Vocabulary.ListOf) fm.key("indices").type();
        if (idx.size() > indicesType.maxItems())
            throw Fields.err(fm.node("indices"), fm.at("indices"), "at most " + indicesType.maxItems() + " images");
        int images = idx.isEmpty() ? fm.getInt("images") : fm.put("images", idx.size());
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < idx.size(); i++)
            indices.add(Fields.toInt(idx.get(i), fm.at("indices") + "[" + i + "]", (Vocabulary.Int) indicesType.item()));
        if (!indices.isEmpty()) fm.put("images", null); // the indices decide; keeps experiment.yaml loadable
        fm.put("indices", indices);
        v.put("feature_maps", fm.out);
        root.put("visualize", v.out);
        return new VisualizeSpec(List.copyOf(layers), images, List.copyOf(indices));
    }
}
