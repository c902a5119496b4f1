package dev.runner.spec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import dev.runner.spec.lang.Fields;
import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.lang.SpecException;
import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.lang.YNode;
import dev.runner.spec.lang.YNode.Entry;
import dev.runner.spec.lang.YNode.YList;
import dev.runner.spec.lang.YNode.YMap;
import dev.runner.spec.lang.YNode.YScalar;
import dev.runner.spec.layers.Add;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.Conv;
import dev.runner.spec.layers.InitSpec;
import dev.runner.spec.layers.LayerKind;
import dev.runner.spec.layers.LayerKinds;
import dev.runner.spec.layers.LayerSpec;
import dev.runner.spec.layers.ShapeException;

/**
 * Expands the {@code model:} section (blocks, residuals, repeats, named graphs) into a {@link ModelSpec}: nodes
 * in topological order, every one named, inputs resolved, shapes checked. Naming rule (see
 * docs/experiment-files.md): a layer is called by its {@code name:}, else its type's short name plus a counter
 * per scope ({@code conv1, bn1, relu1, maxpool1, fc1}); a block use opens a scope called by its {@code name:}
 * or the block's name plus a counter ({@code basic1}); a named repeat opens {@code name.0}, {@code name.1}...;
 * names inside a scope are prefixed with the scope ({@code basic1.conv1}, {@code layer1.0.add}).
 */
final class ModelBuilder {
    static final List<String> LAYERS = LayerKinds.NAMES;
    private static final Vocabulary.Enum SHORTCUTS =
            (Vocabulary.Enum) ((Vocabulary.AnyOf) Language.RESIDUAL.key("shortcut").type()).options().get(0);
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** The name that refers to a scope's input (the network input at the top level). */
    private static final String INPUT = "input";
    private static final int MAX_NODES = 10_000;

    private record Block(String name, List<String> params, Map<String, YNode> defaults, YMap body, String path) {}

    /** A reference to a node: {@code scope == null} means already resolved to the global {@code name}. */
    private record Ref(Scope scope, String name, SourcePos pos, String path) {
        static Ref of(String global) {
            return new Ref(null, global, null, null);
        }
    }

    private static final class Scope {
        final String prefix;
        final Ref input;
        final SourcePos usePos;
        final Map<String, Integer> counters = new HashMap<>();
        final Map<String, String> local = new LinkedHashMap<>();
        Ref last;

        Scope(String prefix, Ref input, SourcePos usePos) {
            this.prefix = prefix;
            this.input = input;
            this.usePos = usePos;
            this.last = input;
        }

        String qualify(String local) {
            return prefix.isEmpty() ? local : prefix + "." + local;
        }

        String next(String base) {
            return base + counters.merge(base, 1, Integer::sum);
        }
    }

    /** A node under construction; {@code layer == null} marks an automatic shortcut decided once shapes are known. */
    private static final class N {
        final String name;
        final LayerSpec layer;
        final List<Ref> refs;
        final SourcePos pos;
        final String path;
        final int index;
        List<String> inputs;
        Map<String, Integer> trainable = Map.of();
        Map<String, Double> lrScale = Map.of();
        Map<String, Double> wdScale = Map.of();

        N(String name, LayerSpec layer, List<Ref> refs, SourcePos pos, String path, int index) {
            this.name = name;
            this.layer = layer;
            this.refs = refs;
            this.pos = pos;
            this.path = path;
            this.index = index;
        }
    }

    private final int[] input;
    /** The model's {@code init:}, the default for every conv and dense layer. */
    private InitSpec init = InitSpec.PYTORCH;
    private final Map<String, Block> blocks = new LinkedHashMap<>();
    private final List<N> nodes = new ArrayList<>();
    private final Map<String, N> byName = new HashMap<>();
    private final Deque<String> using = new ArrayDeque<>();

    private ModelBuilder(int[] input) {
        this.input = input;
    }

    /** Reads {@code model:} ({@code f} already limited to its keys) and returns the expanded model. */
    static ModelSpec build(Fields f) {
        YNode inNode = f.required("input");
        List<YNode> in = Fields.toList(inNode, f.at("input"));
        if (in.size() != 3) throw Fields.err(inNode, f.at("input"), "expected [channels, height, width]");
        int[] input = new int[3];
        Vocabulary.Int dim = (Vocabulary.Int) ((Vocabulary.ListOf) f.key("input").type()).item();
        for (int i = 0; i < 3; i++) input[i] = Fields.toInt(in.get(i), f.at("input") + "[" + i + "]", dim);
        f.put("input", List.of(input[0], input[1], input[2]));
        ModelBuilder b = new ModelBuilder(input);
        Map<String, Object> initOut = new LinkedHashMap<>();
        String dflt = (String) f.key("init").dflt();
        b.init = InitSpec.read(f.has("init") ? f.node("init") : new YScalar(dflt, dflt, false, f.map.pos()), f.at("init"), initOut);
        f.put("init", initOut);
        String lossDefault = (String) f.key("loss").dflt();
        Fields.Choice lc = Fields.choice(f.has("loss") ? f.node("loss")
                : new YScalar(lossDefault, lossDefault, false, f.map.pos()), f.at("loss"), Language.LOSS);
        Fields la = Fields.args(lc, Language.LOSS);
        String loss = lc.kind();
        double smoothing = la.getDouble("label_smoothing");
        boolean sum = la.getEnum("reduction").equals("sum");
        Map<String, Object> lossOut = new LinkedHashMap<>();
        lossOut.put(loss, la.out);
        f.put("loss", lossOut);
        if (f.has("blocks")) {
            b.readBlocks(f.node("blocks"), f.at("blocks"));
            f.put("blocks", YNode.plain(f.node("blocks")));
        }
        YNode layersNode = f.required("layers");
        List<YNode> layers = Fields.toList(layersNode, f.at("layers"));
        if (layers.isEmpty()) throw Fields.err(layersNode, f.at("layers"), "needs at least one layer");
        f.put("layers", YNode.plain(layersNode));
        YList top = (YList) b.subst(layersNode, Map.of(), null, f.at("layers"));
        Scope scope = new Scope("", Ref.of(""), null);
        b.expandList(top.items(), f.at("layers"), scope);
        String output = b.resolve(scope.last);
        ModelSpec m = b.finish(loss, output);
        return new ModelSpec(m.input(), m.nodes(), m.loss(), m.output(), smoothing, sum);
    }

    // ---------------------------------------------------------------- blocks and $params

    private void readBlocks(YNode node, String path) {
        if (!(node instanceof YMap m)) throw Fields.err(node, path, "expected a map of block definitions");
        m.entries().forEach((name, e) -> {
            String p = path + "." + name;
            if (!NAME.matcher(name).matches())
                throw new SpecException(e.keyPos(), p, "block names are letters, digits and _");
            if (LAYERS.contains(name) || name.equals("repeat") || name.equals(INPUT))
                throw new SpecException(e.keyPos(), p, "`" + name + "` is a layer type; choose another block name");
            Fields bf = Fields.of(e.value(), p, e.keyPos(), Language.BLOCK);
            List<String> params = new ArrayList<>();
            Map<String, YNode> defaults = new HashMap<>();
            if (bf.has("params")) {
                List<YNode> items = Fields.toList(bf.node("params"), bf.at("params"));
                for (int i = 0; i < items.size(); i++) {
                    YNode it = items.get(i);
                    String ip = bf.at("params") + "[" + i + "]";
                    String pn;
                    if (it instanceof YMap pm && pm.entries().size() == 1) {
                        Map.Entry<String, Entry> d = pm.entries().entrySet().iterator().next();
                        pn = d.getKey();
                        defaults.put(pn, d.getValue().value());
                    } else {
                        pn = Fields.toStr(it, ip);
                    }
                    if (!NAME.matcher(pn).matches())
                        throw Fields.err(it, ip, "expected a parameter name or {name: default}, got "
                                + YNode.describe(it));
                    if (params.contains(pn)) throw Fields.err(it, ip, "parameter `" + pn + "` is listed twice");
                    params.add(pn);
                }
            }
            if (bf.has("layers") == bf.has("residual"))
                throw new SpecException(bf.map.pos(), p, "a block has either `layers:` or `residual:`");
            Map<String, Entry> body = new LinkedHashMap<>(bf.map.entries());
            body.remove("params");
            YMap def = new YMap(body, bf.map.pos());
            Map<String, YNode> check = new HashMap<>();
            params.forEach(x -> check.put(x, new YScalar(null, "", false, null)));
            subst(def, check, name, p); // reports unknown $params now, even for blocks never used
            blocks.put(name, new Block(name, params, defaults, def, p));
        });
    }

    /**
     * A copy of {@code n} with every {@code $param} replaced by its argument. {@code block} is null outside
     * blocks, where no $param may appear.
     */
    private YNode subst(YNode n, Map<String, YNode> env, String block, String path) {
        if (n instanceof YScalar s && s.value() instanceof String str && str.startsWith("$")) {
            String p = str.substring(1);
            YNode v = env.get(p);
            if (v != null) return v;
            if (block == null)
                throw Fields.err(n, path, "`" + str + "`: parameters can only be used inside a block");
            String near = Fields.suggest(p, env.keySet());
            throw Fields.err(n, path, "unknown parameter `" + str + "` of block `" + block + "`"
                    + (near != null ? "; did you mean `$" + near + "`?"
                    : env.isEmpty() ? "; the block has no params" : "; its params are " + String.join(", ", env.keySet())));
        }
        if (n instanceof YList l) {
            List<YNode> items = new ArrayList<>();
            for (int i = 0; i < l.items().size(); i++) items.add(subst(l.items().get(i), env, block, path + "[" + i + "]"));
            return new YList(items, l.pos());
        }
        if (n instanceof YMap m) {
            Map<String, Entry> es = new LinkedHashMap<>();
            m.entries().forEach((k, e) -> es.put(k, new Entry(e.keyPos(), subst(e.value(), env, block, path + "." + k))));
            return new YMap(es, m.pos());
        }
        return n;
    }

    // ---------------------------------------------------------------- expansion

    private void expandList(List<YNode> items, String path, Scope sc) {
        for (int i = 0; i < items.size(); i++) expandItem(items.get(i), path + "[" + i + "]", sc);
    }

    private void expandItem(YNode item, String path, Scope sc) {
        String kind, name = null;
        YNode args = null;
        List<Ref> inputs = null;
        YNode trainable = null, lrScale = null, wdScale = null;
        if (item instanceof YScalar s && s.value() instanceof String str) {
            kind = str;
        } else if (item instanceof YMap m) {
            List<String> kinds = m.entries().keySet().stream().filter(k -> !k.equals("name") && !k.equals("inputs")
                    && !k.equals("trainable") && !k.equals("lr_scale") && !k.equals("weight_decay_scale")).toList();
            if (kinds.isEmpty()) throw Fields.err(item, path, "a layer needs a type such as conv or relu");
            if (kinds.size() > 1)
                throw new SpecException(m.entries().get(kinds.get(1)).keyPos(), path, "one layer per list item, found `"
                        + kinds.get(0) + "` and `" + kinds.get(1) + "`; start each layer with its own -");
            kind = kinds.get(0);
            args = m.get(kind);
            if (m.get("name") != null) {
                name = Fields.toStr(m.get("name"), path + ".name");
                if (!NAME.matcher(name).matches() || name.equals(INPUT))
                    throw Fields.err(m.get("name"), path + ".name",
                            "names are letters, digits and _ (and not `input`), got \"" + name + "\"");
            }
            trainable = m.get("trainable");
            lrScale = m.get("lr_scale");
            wdScale = m.get("weight_decay_scale");
            if (m.get("inputs") != null) {
                YNode in = m.get("inputs");
                List<YNode> refs = in instanceof YList l ? l.items() : List.of(in);
                inputs = new ArrayList<>();
                for (int i = 0; i < refs.size(); i++) {
                    String ip = path + ".inputs" + (in instanceof YList ? "[" + i + "]" : "");
                    inputs.add(new Ref(sc, Fields.toStr(refs.get(i), ip), refs.get(i).pos(), ip));
                }
                if (inputs.isEmpty()) throw Fields.err(in, path + ".inputs", "needs at least one layer name");
            }
        } else {
            throw Fields.err(item, path, "expected a layer such as `relu` or `conv: {...}`, got " + YNode.describe(item));
        }
        String kp = path + "." + kind;
        SourcePos pos = sc.usePos != null ? sc.usePos : item.pos();
        if (nodes.size() > MAX_NODES) throw Fields.err(item, path, "the model has more than " + MAX_NODES + " layers");

        if (kind.equals("repeat") || blocks.containsKey(kind)) {
            for (YNode r : new YNode[] {trainable, lrScale, wdScale}) {
                if (r == null) continue;
                String key = r == trainable ? "trainable" : r == lrScale ? "lr_scale" : "weight_decay_scale";
                throw Fields.err(r, path + "." + key, "`" + key + "` goes next to a layer with parameters"
                        + " (conv, dense, batchnorm), not a " + (kind.equals("repeat") ? "repeat" : "block use"));
            }
            if (name != null && sc.local.containsKey(name))
                throw Fields.err(((YMap) item).get("name"), path + ".name", "the name `" + name + "` is already used here");
            if (inputs != null && inputs.size() != 1)
                throw Fields.err(((YMap) item).get("inputs"), path + ".inputs", "`" + kind + "` takes one input");
            Ref in = inputs != null ? inputs.get(0) : sc.last;
            if (kind.equals("repeat")) repeat(args, kp, item.pos(), sc, name, in);
            else useBlock(blocks.get(kind), args, kp, item.pos(), sc, name, in);
            if (name != null) sc.local.put(name, resolve(sc.last)); // a node made inside, so already global
            return;
        }
        if (!LAYERS.contains(kind)) {
            List<String> all = new ArrayList<>(LAYERS);
            all.addAll(blocks.keySet());
            all.add("repeat");
            SourcePos at = item instanceof YMap m ? m.entries().get(kind).keyPos() : item.pos();
            throw new SpecException(at, path, Fields.unknown("layer type", kind, all));
        }
        LayerKind lk = LayerKinds.byName(kind);
        LayerSpec layer = lk.parse(args, kp, item.pos(), init);
        boolean merge = lk.merges();
        if (merge && (inputs == null || inputs.size() < 2))
            throw Fields.err(item, path, kind + " needs `inputs:` naming at least two layers");
        if (!merge && inputs != null && inputs.size() != 1)
            throw Fields.err(((YMap) item).get("inputs"), path + ".inputs",
                    kind + " takes one input; merge several with add or concat");
        String local = name != null ? name : sc.next(LayerNames.base(kind));
        N n = add(sc.qualify(local), layer, inputs != null ? inputs : List.of(sc.last), pos, path);
        if (trainable != null) n.trainable = trainable(trainable, path + ".trainable", layer);
        if (lrScale != null) n.lrScale = scales(lrScale, path + ".lr_scale", layer);
        if (wdScale != null) n.wdScale = scales(wdScale, path + ".weight_decay_scale", layer);
        sc.local.put(local, n.name);
        sc.last = Ref.of(n.name);
    }

    /**
     * A layer's {@code trainable:} as epochs per parameter ({@code true} none listed, {@code false} 0 each, N each,
     * or a map of parameter to true, false or N); the parameters are the layer's {@link LayerSpec#paramNames}.
     */
    private static Map<String, Integer> trainable(YNode n, String path, LayerSpec layer) {
        List<String> params = layer.paramNames();
        if (params.isEmpty())
            throw Fields.err(n, path, "`" + layer.kind() + "` has no parameters to train or freeze");
        Map<String, Integer> out = new LinkedHashMap<>();
        if (n instanceof YMap m) {
            for (Map.Entry<String, Entry> e : m.entries().entrySet()) {
                if (!params.contains(e.getKey()))
                    throw new SpecException(e.getValue().keyPos(), path + "." + e.getKey(),
                            Fields.unknown("parameter", e.getKey(), params));
                Integer v = epochs(e.getValue().value(), path + "." + e.getKey());
                if (v != null) out.put(e.getKey(), v);
            }
        } else {
            Integer v = epochs(n, path);
            if (v != null) for (String p : params) out.put(p, v);
        }
        return Map.copyOf(out);
    }

    /** A layer's {@code lr_scale:} or {@code weight_decay_scale:}: a factor for every parameter or per parameter. */
    private static Map<String, Double> scales(YNode n, String path, LayerSpec layer) {
        List<String> params = layer.paramNames();
        if (params.isEmpty()) throw Fields.err(n, path, "`" + layer.kind() + "` has no parameters to scale");
        Vocabulary.Range r = Vocabulary.Range.NON_NEGATIVE;
        Map<String, Double> out = new LinkedHashMap<>();
        if (n instanceof YMap m) {
            for (Map.Entry<String, Entry> e : m.entries().entrySet()) {
                if (!params.contains(e.getKey()))
                    throw new SpecException(e.getValue().keyPos(), path + "." + e.getKey(),
                            Fields.unknown("parameter", e.getKey(), params));
                out.put(e.getKey(), Fields.toDouble(e.getValue().value(), path + "." + e.getKey(), r));
            }
        } else {
            double v = Fields.toDouble(n, path, r);
            for (String p : params) out.put(p, v);
        }
        return Map.copyOf(out);
    }

    /** true: null (always), false: 0, N: N epochs. */
    private static Integer epochs(YNode n, String path) {
        if (n instanceof YScalar s && s.value() instanceof Boolean b) return b ? null : 0;
        return Fields.toInt(n, path, new Vocabulary.Int(0, 100_000));
    }

    private void repeat(YNode args, String path, SourcePos at, Scope sc, String name, Ref in) {
        Fields f = Fields.of(args, path, at, Language.REPEAT);
        int times = f.getInt("times");
        List<YNode> layers = Fields.toList(f.required("layers"), f.at("layers"));
        if (layers.isEmpty()) throw Fields.err(f.node("layers"), f.at("layers"), "needs at least one layer");
        Ref cur = in;
        for (int i = 0; i < times; i++) {
            if (name != null) {
                Scope s = new Scope(sc.qualify(name) + "." + i, cur, sc.usePos);
                expandList(layers, f.at("layers"), s);
                cur = s.last;
            } else {
                sc.last = cur;
                expandList(layers, f.at("layers"), sc);
                cur = sc.last;
            }
        }
        sc.last = cur;
    }

    private void useBlock(Block b, YNode args, String path, SourcePos at, Scope sc, String name, Ref in) {
        if (using.contains(b.name()))
            throw new SpecException(at, path, "block `" + b.name() + "` uses itself: "
                    + String.join(" -> ", using) + " -> " + b.name());
        Map<String, YNode> env = new LinkedHashMap<>();
        if (args instanceof YMap m) {
            m.entries().forEach((k, e) -> {
                if (!b.params().contains(k))
                    throw new SpecException(e.keyPos(), path + "." + k, Fields.unknown("argument", k, b.params()));
                env.put(k, e.value());
            });
        } else if (args != null && !(args instanceof YScalar s && s.isNull())) {
            if (b.params().isEmpty()) throw Fields.err(args, path, "block `" + b.name() + "` has no params");
            env.put(b.params().get(0), args);
        }
        for (String p : b.params()) {
            if (env.get(p) == null || env.get(p) instanceof YScalar s && s.isNull()) {
                if (!b.defaults().containsKey(p))
                    throw new SpecException(args != null ? args.pos() : at, path,
                            "missing argument `" + p + "` for block `" + b.name() + "`");
                env.put(p, b.defaults().get(p));
            }
        }
        YMap body = (YMap) subst(b.body(), env, b.name(), b.path());
        Scope s = new Scope(sc.qualify(name != null ? name : sc.next(b.name())), in, sc.usePos != null ? sc.usePos : at);
        using.push(b.name());
        if (body.get("layers") != null) {
            List<YNode> layers = Fields.toList(body.get("layers"), path + ".layers");
            if (layers.isEmpty()) throw Fields.err(body.get("layers"), path + ".layers", "needs at least one layer");
            expandList(layers, path + ".layers", s);
        } else {
            residual(body.get("residual"), path + ".residual", s);
        }
        using.pop();
        sc.last = s.last;
    }

    private void residual(YNode node, String path, Scope s) {
        Fields f = Fields.of(node, path, s.usePos, Language.RESIDUAL);
        List<YNode> main = Fields.toList(f.required("main"), f.at("main"));
        if (main.isEmpty()) throw Fields.err(f.node("main"), f.at("main"), "needs at least one layer");
        expandList(main, f.at("main"), s);
        Ref mainOut = s.last;
        YNode sc = f.node("shortcut");
        Ref shortOut;
        if (sc instanceof YList l) {
            Scope ss = new Scope(s.qualify("shortcut"), s.input, s.usePos);
            expandList(l.items(), f.at("shortcut"), ss);
            shortOut = ss.last;
        } else if (sc == null || Fields.toEnum(sc, f.at("shortcut"), SHORTCUTS.values()).equals("auto")) {
            shortOut = Ref.of(add(s.qualify("shortcut"), null, List.of(s.input, mainOut), s.usePos, f.at("shortcut")).name);
        } else {
            shortOut = s.input;
        }
        N sum = add(s.qualify("add"), new Add(), List.of(mainOut, shortOut), s.usePos, path);
        s.local.put("add", sum.name);
        s.last = Ref.of(sum.name);
        if (f.has("after")) expandList(Fields.toList(f.node("after"), f.at("after")), f.at("after"), s);
    }

    private N add(String name, LayerSpec layer, List<Ref> refs, SourcePos pos, String path) {
        N old = byName.get(name);
        if (old != null) throw new SpecException(pos, path, "the name `" + name + "` is already used by " + old.path);
        N n = new N(name, layer, refs, pos, path, nodes.size());
        nodes.add(n);
        byName.put(name, n);
        return n;
    }

    private String resolve(Ref r) {
        if (r.scope() == null) return r.name();
        if (r.name().equals(INPUT)) return resolve(r.scope().input);
        String g = r.scope().local.get(r.name());
        if (g == null) {
            Set<String> known = new TreeSet<>(r.scope().local.keySet());
            known.add(INPUT);
            throw new SpecException(r.pos(), r.path(), Fields.unknown("input", r.name(), known));
        }
        return g;
    }

    // ---------------------------------------------------------------- graph: resolve, sort, shapes

    private ModelSpec finish(String loss, String output) {
        Map<String, List<String>> consumers = new HashMap<>();
        for (N n : nodes) {
            n.inputs = new ArrayList<>();
            for (Ref r : n.refs) {
                String g = resolve(r);
                if (!n.inputs.contains(g)) n.inputs.add(g);
                consumers.computeIfAbsent(g, k -> new ArrayList<>()).add(n.name);
            }
        }
        List<N> order = sort();
        for (N n : nodes)
            if (!n.name.equals(output) && !consumers.containsKey(n.name))
                throw new SpecException(n.pos, n.path, "`" + n.name + "` is not used: nothing reads its output");
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put("", input);
        Map<String, String> alias = new HashMap<>();
        List<LayerNode> out = new ArrayList<>();
        for (N n : order) {
            List<String> ins = n.inputs.stream().map(i -> alias.getOrDefault(i, i)).toList();
            if (n.layer == null) { // automatic shortcut
                int[] in = shapes.get(ins.get(0)), main = shapes.get(ins.get(1));
                if (Arrays.equals(in, main)) {
                    alias.put(n.name, ins.get(0));
                    continue;
                }
                if (in.length != 3 || main.length != 3)
                    throw new SpecException(n.pos, n.path, "an automatic shortcut needs image shapes, got "
                            + Shapes.str(in) + " -> " + Shapes.str(main) + "; write the shortcut layers");
                int[] stride = {stride(in[1], main[1]), stride(in[2], main[2])};
                if (stride[0] < 0 || stride[1] < 0)
                    throw new SpecException(n.pos, n.path, "no 1x1 strided conv turns " + Shapes.str(in) + " into "
                            + Shapes.str(main) + "; write the shortcut layers");
                LayerSpec conv = new Conv(main[0], new int[] {1, 1}, stride, new int[] {0, 0},
                        new int[] {1, 1}, false, null, init);
                out.add(node(n.name + ".conv", conv, ins.subList(0, 1), n, shapes));
                out.add(node(n.name + ".bn", BatchNorm.defaults(), List.of(n.name + ".conv"), n, shapes));
                alias.put(n.name, n.name + ".bn");
                continue;
            }
            if (ins.size() > 1 && ins.contains(""))
                throw new SpecException(n.pos, n.path, n.name + ": the network input cannot be merged with other"
                        + " layers; put a layer on it first");
            out.add(node(n.name, n.layer, ins, n, shapes));
        }
        return new ModelSpec(input, List.copyOf(out), loss, output);
    }

    private LayerNode node(String name, LayerSpec layer, List<String> ins, N at, Map<String, int[]> shapes) {
        List<int[]> in = ins.stream().map(shapes::get).toList();
        try {
            shapes.put(name, layer.output(in, ins.stream().map(i -> i.isEmpty() ? INPUT : i).toList()));
        } catch (ShapeException e) {
            throw new SpecException(at.pos, at.path, name + ": " + e.getMessage());
        }
        return new LayerNode(name, layer, ins.size() == 1 && ins.get(0).isEmpty() ? List.of() : List.copyOf(ins),
                at.pos, at.path, at.trainable, at.lrScale, at.wdScale);
    }

    /** The stride s with ceil(in / s) == out, or -1. */
    private static int stride(int in, int out) {
        for (int s = Math.max(1, in / out); s <= in / out + 1; s++)
            if ((in + s - 1) / s == out) return s;
        return -1;
    }

    /** Topological order, declaration order among independent nodes; a cycle is an error. */
    private List<N> sort() {
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<N>> readers = new HashMap<>();
        for (N n : nodes) {
            int deps = 0;
            for (String i : n.inputs) {
                if (i.isEmpty()) continue;
                deps++;
                readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
            pending.put(n.name, deps);
        }
        PriorityQueue<N> ready = new PriorityQueue<>((a, b) -> Integer.compare(a.index, b.index));
        nodes.stream().filter(n -> pending.get(n.name) == 0).forEach(ready::add);
        List<N> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            N n = ready.poll();
            order.add(n);
            for (N r : readers.getOrDefault(n.name, List.of()))
                if (pending.merge(r.name, -1, Integer::sum) == 0) ready.add(r);
        }
        if (order.size() < nodes.size()) {
            Set<String> done = new HashSet<>();
            order.forEach(n -> done.add(n.name));
            N start = nodes.stream().filter(n -> !done.contains(n.name)).findFirst().orElseThrow();
            List<String> walk = new ArrayList<>();
            N cur = start;
            while (!walk.contains(cur.name)) {
                walk.add(cur.name);
                cur = byName.get(cur.inputs.stream().filter(i -> !i.isEmpty() && !done.contains(i)).findFirst().orElseThrow());
            }
            List<String> cycle = new ArrayList<>(walk.subList(walk.indexOf(cur.name), walk.size()));
            java.util.Collections.reverse(cycle); // data flows left to right; start at the first declared
            int first = 0;
            for (int i = 1; i < cycle.size(); i++) if (byName.get(cycle.get(i)).index < byName.get(cycle.get(first)).index) first = i;
            java.util.Collections.rotate(cycle, -first);
            cycle.add(cycle.get(0));
            N at = byName.get(cycle.get(0));
            throw new SpecException(at.pos, at.path + ".inputs", "cycle in inputs: " + String.join(" -> ", cycle));
        }
        return order;
    }
}
